import Mustache

@testable import AuthStatsHTML

/// The templates as they were before the charts' legends and axes, the retention rows and the
/// inputs listed were written as bytes (`HTMLBytes`): today's, with the tags that placed those
/// values one by one put back. `PageTests.writtenParts` renders a page with them and with
/// today's, and the pages must be the same bytes.
enum TemplatesBefore {
    /// (template, today's text, the text it replaced).
    static let replaced: [(template: String, now: String, before: String)] = [
        ("chart", "{{{legendItems}}}", #"{{#legend}}<li><span class="sw {{color}}{{#isLine}} line{{/isLine}}"></span><bdi>{{name}}</bdi>{{#hasDetail}} <span class="detail">{{detail}}</span>{{/hasDetail}}</li>{{/legend}}"#),
        (
            "chart", "{{{axes}}}",
            #"""
            <g class="grid">{{#yTicks}}<line x1="{{plotLeft}}" x2="{{plotRight}}" y1="{{at}}" y2="{{at}}"></line><text class="y" x="{{yLabelX}}" y="{{labelAt}}">{{label}}</text>{{/yTicks}}</g>
            <line class="axis" x1="{{plotLeft}}" x2="{{plotRight}}" y1="{{plotBottom}}" y2="{{plotBottom}}"></line>
            <g class="xaxis">{{#xTicks}}<line class="axis" x1="{{at}}" x2="{{at}}" y1="{{plotBottom}}" y2="{{tickEnd}}"></line><text class="x" x="{{at}}" y="{{labelAt}}">{{label}}</text>{{/xTicks}}</g>
            {{#lines}}<path class="line {{color}}" d="{{d}}"></path>
            {{/lines}}

            """#
        ),
        (
            "retention", "{{{retentionRows}}}",
            #"""
            {{#retention}}
            <tr><th scope="row">{{cohort}}</th><td class="num">{{size}}</td>{{#cells}}<td class="{{level}}" title="{{tip}}">{{text}}</td>{{/cells}}</tr>
            {{/retention}}

            """#
        ),
        (
            "inputs", "{{{listedRows}}}",
            #"""
            {{#listed}}
            <tr><td><bdi>{{location}}</bdi></td><td>{{format}}</td><td>{{compression}}</td><td class="status {{status}}">{{status}}</td>{{#cells}}<td class="num">{{.}}</td>{{/cells}}</tr>
            {{/listed}}

            """#
        ),
    ]

    /// Every template of the page, these as they were.
    static var all: [String: String] {
        var all = PageTemplate.all
        for (name, now, before) in replaced {
            precondition(all[name]!.contains(now), "\(name) has \(now)")
            all[name] = all[name]!.replacingOccurrences(of: now, with: before)
        }
        return all
    }
}

// The values the old text placed one by one, by name (as `TemplateValues.swift` gives the
// page's others; `TemplateValuesTests` checks them against `Mirror`). Only the tests read them
// now: the page's code writes these parts (`HTMLBytes`).
extension Tick: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "at": at
        case "labelAt": labelAt
        case "label": label
        default: nil
        }
    }
}

extension LegendItem: MustacheParent {
    public func child(named name: String) -> Any? {
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
    public func child(named name: String) -> Any? {
        switch name {
        case "color": color
        case "d": d
        default: nil
        }
    }
}

extension RetentionTable.Row: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "cohort": cohort
        case "size": size
        case "cells": cells
        default: nil
        }
    }
}

extension RetentionTable.Cell: MustacheParent {
    public func child(named name: String) -> Any? {
        switch name {
        case "text": text
        case "level": level
        case "tip": tip
        default: nil
        }
    }
}
