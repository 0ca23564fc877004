import Testing

@testable import AuthStatsCore

@Suite("Day")
struct DayTests {
    @Test("civil dates round-trip, leap days included")
    func roundTrip() {
        for index in Int32(-800_000)...Int32(800_000) where index % 97 == 0 || (index >= -400 && index <= 400) {
            let day = Day(index: index)
            let (y, m, d) = day.civil
            #expect(Day(year: y, month: m, day: d) == day)
        }
        #expect(Day(iso: "1970-01-01")?.index == 0)
        #expect(Day(iso: "2024-02-29")?.description == "2024-02-29")
        #expect(Day(iso: "2000-03-01")!.index - Day(iso: "2000-02-28")!.index == 2)
    }

    @Test("only real YYYY-MM-DD dates parse", arguments: ["2023-02-29", "2026-13-01", "2026-1-01", "26-01-01", "2026-01-01T00", "", "2026-00-10", "abcd-ef-gh"])
    func invalid(text: String) {
        #expect(Day(iso: text) == nil)
    }
}
