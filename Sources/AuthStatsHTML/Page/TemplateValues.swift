import Mustache

// The values the template reads most often, by name without `Mirror`: the marks of each
// day of every chart, the axes, and the rows of the longest tables. Mustache otherwise
// reflects the value for every name it looks up (and again in each enclosing value for a
// name the inner one has not got): `Mirror` was most of the time `report.html` took (12% of
// a run over one day's files). Each `child(named:)` names every stored property;
// `TemplateValuesTests` checks them against `Mirror`, so that a new property cannot be missed.

extension ChartView: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "id": id
        case "title": title
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
        case "hasNote": hasNote
        default: nil
        }
    }
}

extension Tick: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "at": at
        case "labelAt": labelAt
        case "label": label
        default: nil
        }
    }
}

extension LegendItem: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "color": color
        case "name": self.name
        case "detail": detail
        case "isLine": isLine
        case "hasDetail": hasDetail
        default: nil
        }
    }
}

extension Line: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "color": color
        case "d": d
        default: nil
        }
    }
}

extension DayMark: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "day": day
        case "values": values
        case "tip": tip
        case "x": x
        case "y": y
        case "w": w
        case "h": h
        case "dots": dots
        case "bars": bars
        default: nil
        }
    }
}

extension Dot: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "color": color
        case "cx": cx
        case "cy": cy
        default: nil
        }
    }
}

extension Bar: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "color": color
        case "x": x
        case "y": y
        case "w": w
        case "h": h
        default: nil
        }
    }
}

extension RetentionTable.Row: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "cohort": cohort
        case "size": size
        case "cells": cells
        default: nil
        }
    }
}

extension RetentionTable.Cell: MustacheParent {
    func child(named name: String) -> Any? {
        switch name {
        case "text": text
        case "level": level
        case "tip": tip
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
