import Mustache

// The page's values by name, without `Mirror` (the charts' marks, legends and axes, the
// retention rows and the inputs listed, the most numerous, are written as bytes, `HTMLBytes`,
// not by the template; the tests give their values' names to the old template text that the
// written parts are checked against, `TemplatesBefore`). Mustache otherwise
// reflects the value for every name it looks up (and again in each enclosing value for a
// name the inner one has not got): `Mirror` was most of the time `report.html` took (12% of
// a run over one day's files). Each `child(named:)` names every stored property;
// `TemplateValuesTests` checks them against `Mirror`, so that a new property cannot be missed.

// The page itself: every name the template looks up at the top, and every name an inner
// value has not got, ends here (through `Mirror`, this was ~130,000 instructions a look-up).
extension PageView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "csp": csp
        case "css": css
        case "script": script
        case "version": version
        case "timezone": timezone
        case "title": title
        case "heading": heading
        case "hasRange": hasRange
        case "rangeText": rangeText
        case "comparison": comparison
        case "chartNote": chartNote
        case "hasChartNote": !chartNote.isEmpty
        case "sections": sections
        case "figures": figures
        case "activity": activity
        case "auth": auth
        case "sessions": sessions
        case "breakdowns": breakdowns
        case "hasBreakdowns": hasBreakdowns
        case "retention": retention
        case "retentionRows": retentionRows
        case "retentionColumns": retentionColumns
        case "hasRetention": hasRetention
        case "segments": segments
        case "projects": projects
        case "projectColumns": projectColumns
        case "segmentColumns": segmentColumns
        case "inputs": inputs
        case "inputColumns": inputColumns
        case "groupColumns": groupColumns
        default: nil
        }
    }
}

extension ChartView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "title": title
        case "summary": summary
        case "unit": unit
        case "note": note
        case "width": width
        case "height": height
        case "plotLeft": plotLeft
        case "plotRight": plotRight
        case "plotBottom": plotBottom
        case "unitY": unitY
        case "yLabelX": yLabelX
        case "tickEnd": tickEnd
        case "yTicks": yTicks
        case "xTicks": xTicks
        case "legend": legend
        case "lines": lines
        case "days": days
        case "marks": marks
        case "legendItems": legendItems
        case "axes": axes
        case "hasNote": hasNote
        default: nil
        }
    }
}

extension InputsSection.Input: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "location": location
        case "format": format
        case "compression": compression
        case "status": status
        case "error": error
        case "cells": cells
        default: nil
        }
    }
}

// The rest of the page's values: fewer look-ups each, but through `Mirror` one costs ~67,000
// instructions (116 of them were 7.8 M of a night's 129 M for the page).
extension PageView.Section: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "title": title
        default: nil
        }
    }
}

extension PageView.ColumnName: MustacheParent {
    func child(named name: String) -> Any? { name == "name" ? self.name : nil }
}

extension Figure: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "value": value
        case "detail": detail
        case "change": change
        case "direction": direction
        case "previous": previous
        case "hasChange": hasChange
        default: nil
        }
    }
}

extension SegmentsSection: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "rows": rows
        case "charts": charts
        case "note": note
        case "hasNote": hasNote
        default: nil
        }
    }
}

extension SegmentsSection.Row: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "cells": cells
        case "file": file
        default: nil
        }
    }
}

extension ProjectsSection: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "rows": rows
        case "charts": charts
        default: nil
        }
    }
}

extension ProjectsSection.Row: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "name": self.name
        case "cells": cells
        case "page": page
        case "href": href
        default: nil
        }
    }
}

extension InputsSection: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "totals": totals
        case "isProject": isProject
        case "groups": groups
        case "reasons": reasons
        case "hasReasons": hasReasons
        case "reasonsNote": reasonsNote
        case "hasReasonsNote": !reasonsNote.isEmpty
        case "broken": broken
        case "hasBroken": hasBroken
        case "brokenNote": brokenNote
        case "hasBrokenNote": !brokenNote.isEmpty
        case "listed": listed
        case "listedRows": listedRows
        case "listNote": listNote
        case "rejectsNote": rejectsNote
        case "rejects": rejects
        case "hasRejects": hasRejects
        case "directory": directory
        case "hasDirectory": !directory.isEmpty
        case "directoryNote": directoryNote
        default: nil
        }
    }
}

extension InputsSection.DirectoryFile: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "path": path
        case "users": users
        case "skipped": skipped
        case "status": status
        case "error": error
        default: nil
        }
    }
}

extension InputsSection.Total: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "label": label
        case "value": value
        default: nil
        }
    }
}

extension InputsSection.Group: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "format": format
        case "compression": compression
        case "status": status
        case "cells": cells
        default: nil
        }
    }
}

extension InputsSection.Reason: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "reason": reason
        case "count": count
        default: nil
        }
    }
}

extension InputsSection.Reject: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "location": location
        case "record": record
        case "reason": reason
        case "raw": raw
        default: nil
        }
    }
}
