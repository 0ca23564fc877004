/// The page's own stylesheet and script, and the Content-Security-Policy that lets exactly
/// these two run.
///
/// The policy is defence in depth for a file that travels by mail and bucket: every value
/// from the logs is escaped (`HTMLText`, by the template and by `HTMLBytes`), and should
/// one ever get through as markup, the
/// browser would still run no script, load nothing and send nothing (`default-src 'none'`;
/// only the hashed `<style>` and `<script>` below apply). The page has no `style=` and no
/// `on…=` attributes, which such a policy would block.
enum PageAssets {
    static let contentSecurityPolicy =
        "default-src 'none'; style-src \(SHA256.cspSource(stylesheet)); script-src \(SHA256.cspSource(script)); "
        + "base-uri 'none'; form-action 'none'"

    /// Shows a tapped or pointed-at day's values under its chart (an SVG `<title>` shows on
    /// hover with a mouse, never on a phone), and opens the folded tables before printing.
    /// It reads the page's own text (`textContent`) and writes text: no markup, no data of its own.
    static let script = """
        (function () {
          "use strict";
          function show(event) {
            var target = event.target;
            var day = target && target.closest ? target.closest("g.day") : null;
            if (!day) return;
            var figure = day.closest("figure");
            var readout = figure ? figure.querySelector("output.readout") : null;
            var title = day.querySelector("title");
            if (!readout || !title) return;
            var selected = figure.querySelector("g.day.sel");
            if (selected) selected.classList.remove("sel");
            day.classList.add("sel");
            readout.textContent = title.textContent.split("\\n").join(" \\u00b7 ");
          }
          document.addEventListener("click", show);
          document.addEventListener("mouseover", show);
          window.addEventListener("beforeprint", function () {
            var details = document.querySelectorAll("details");
            for (var i = 0; i < details.length; i++) details[i].open = true;
          });
          document.documentElement.setAttribute("data-script", "ready");
        })();
        """

    /// Colours: a colour class (`c-blue`) sets `color`, and marks paint with `currentColor`.
    /// The heat map's ten shades (`h0`…`h9`) run from 0% to 90% and more.
    static let stylesheet = """
        :root{color-scheme:light;--fg:#1d2330;--muted:#5b6473;--line:#dfe3e8;--card:#f5f6f8;\
        --blue:#4269d0;--teal:#1f9e89;--purple:#8e5bd0;--green:#3ca951;--red:#e0533c;--yellow:#d9a514;\
        --pink:#e36fa8;--gray:#9498a0}
        *{box-sizing:border-box}
        html{-webkit-text-size-adjust:100%;text-size-adjust:100%;-webkit-print-color-adjust:exact;print-color-adjust:exact}
        body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;\
        color:var(--fg);background:#fff}
        header,main,footer{max-width:1120px;margin:0 auto;padding:0 16px}
        header{padding-top:20px}
        h1{font-size:1.5rem;margin:0 0 2px}
        h2{font-size:1.2rem;margin:28px 0 10px;padding-top:10px;border-top:1px solid var(--line)}
        h3{font-size:1rem;margin:14px 0 4px}
        figcaption h3{margin:0}
        h1,figcaption h3,th bdi,td bdi{overflow-wrap:anywhere}
        .range{color:var(--muted);margin:0 0 8px}
        nav ul{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:4px 14px}
        nav a{color:var(--blue);text-decoration:none}
        .note{color:var(--muted);font-size:.85rem;margin:6px 0}
        .figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(136px,1fr));gap:10px}
        .figure{background:var(--card);border-radius:8px;padding:10px 12px}
        .figure .label{font-size:.78rem;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
        .figure .value{font-size:1.6rem;font-weight:600;font-variant-numeric:tabular-nums}
        .figure .detail{font-size:.8rem;color:var(--muted)}
        .change{font-size:.85rem;font-weight:600;margin-top:2px}
        .change.better{color:#23803a}.change.worse{color:#c0392b}.change.same{color:var(--muted)}
        .charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(100%,420px),1fr));gap:20px}
        .charts.small{grid-template-columns:repeat(auto-fill,minmax(min(100%,320px),1fr))}
        figure.chart{margin:0;min-width:0}
        .legend{list-style:none;margin:2px 0 4px;padding:0;display:flex;flex-wrap:wrap;gap:2px 12px;font-size:.8rem}
        .legend .detail{color:var(--muted)}
        .sw{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;background:currentColor}
        .sw.line{height:3px;width:14px;vertical-align:middle}
        .sw.line.dash1{background:repeating-linear-gradient(90deg,currentColor 0 5px,transparent 5px 8px)}
        .sw.line.dash2{background:repeating-linear-gradient(90deg,currentColor 0 2px,transparent 2px 4px)}
        svg.plot{display:block;width:100%;height:auto}
        svg text{font-size:12px;fill:var(--muted)}
        svg .y{text-anchor:end}
        svg .x{text-anchor:middle}
        svg .grid line{stroke:var(--line);stroke-width:1}
        svg .axis{stroke:#8a93a0;stroke-width:1}
        svg .line{fill:none;stroke:currentColor;stroke-width:2;stroke-linejoin:round;stroke-linecap:round}
        svg .line.dash1{stroke-dasharray:7 4}
        svg .line.dash2{stroke-dasharray:1 4}
        svg .bar{fill:currentColor}
        svg .dot{fill:currentColor;stroke:#fff;stroke-width:1}
        svg .hit{fill:transparent}
        svg .day:hover .hit,svg .day.sel .hit{fill:#4269d01a}
        .c-blue{color:var(--blue)}.c-teal{color:var(--teal)}.c-purple{color:var(--purple)}.c-green{color:var(--green)}
        .c-red{color:var(--red)}.c-yellow{color:var(--yellow)}.c-pink{color:var(--pink)}.c-gray{color:var(--gray)}
        output.readout{display:block;min-height:1.5em;font-size:.8rem;color:var(--muted)}
        table{border-collapse:collapse;font-size:.85rem;width:100%}
        th,td{padding:4px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
        thead th{font-weight:600;color:var(--muted)}
        .num{text-align:right;font-variant-numeric:tabular-nums}
        td.num{white-space:nowrap}
        .scroll{overflow-x:auto}
        td{overflow-wrap:anywhere}
        td:first-child{min-width:14em}
        code{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;white-space:pre-wrap;overflow-wrap:anywhere}
        table.heat td{text-align:right;font-variant-numeric:tabular-nums;min-width:4.5em}
        .h0{background:#f3f6fc}.h1{background:#dfe8f8}.h2{background:#c9d8f2}.h3{background:#b1c7eb}.h4{background:#97b4e3}
        .h5{background:#7c9fda;color:#fff}.h6{background:#628ad0;color:#fff}.h7{background:#4d76c2;color:#fff}
        .h8{background:#3d62a9;color:#fff}.h9{background:#2d4c8a;color:#fff}
        td.na{color:#9aa1ab;text-align:center}
        .scale{display:flex;gap:0;margin:6px 0;font-size:.75rem;max-width:420px}
        .scale span{flex:1;text-align:center;padding:2px 0}
        .status.partial{color:#b26b00}.status.failed{color:#c0392b}
        dl.totals{display:grid;grid-template-columns:repeat(auto-fill,minmax(120px,1fr));gap:8px;margin:0}
        dl.totals div{background:var(--card);border-radius:6px;padding:6px 10px}
        dt{font-size:.75rem;color:var(--muted)}
        dd{margin:0;font-weight:600;font-variant-numeric:tabular-nums}
        summary{cursor:pointer;font-weight:600;margin:14px 0 4px}
        footer{color:var(--muted);font-size:.8rem;padding-top:24px;padding-bottom:32px}
        @media (max-width:600px){body{font-size:14px}.figure .value{font-size:1.3rem}h2{margin-top:20px}}
        @media print{
        @page{margin:12mm}
        body{font-size:9.5pt}
        header,main,footer{max-width:none;padding:0}
        nav,output.readout{display:none}
        figure.chart,.figure,tr,dl.totals div{break-inside:avoid}
        h2,h3{break-after:avoid}
        h2{margin-top:14px}
        .charts{grid-template-columns:1fr 1fr;gap:12px}
        .charts.small{grid-template-columns:1fr 1fr 1fr}
        .scroll{overflow:visible}
        }
        """
}
