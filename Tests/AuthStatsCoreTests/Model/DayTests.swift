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
        #expect(Day(iso: "0400-02-29") == Day(year: 400, month: 2, day: 29))
        #expect(Day(iso: "9999-12-31")?.description == "9999-12-31")
    }

    @Test(
        "only real YYYY-MM-DD dates in ASCII digits parse",
        arguments: [
            "2023-02-29", "1900-02-29", "2026-13-01", "2026-04-31", "2026-1-01", "26-01-01", "2026-01-01T00", "", "2026-00-10",
            "2026-01-00", "abcd-ef-gh", "2026/01/01", "2026-01-011", "-2026-01-0", "2026-01-0\u{0661}", "2026-01-\u{0661}", "２０２６-01-01", "2026-0\u{0301}1-01",
            " 2026-01-01", "+026-01-01",
        ])
    func invalid(text: String) {
        #expect(Day(iso: text) == nil)
    }
}
