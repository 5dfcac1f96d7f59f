/// The page's only style sheet, inline (no external resource): screen, then print (A4, no
/// colours needed, tables never cut across pages where avoidable).
enum DashboardStyle {
    static let css = """
        :root { --ink: #1d2330; --muted: #5b6475; --line: #d5d9e0; --s1: #2f6db5; --s2: #3a9d5d;
          --s3: #c8553d; --s4: #7a5cc2; }
        * { box-sizing: border-box; }
        body { margin: 0 auto; max-width: 1100px; padding: 16px 24px; color: var(--ink);
          font: 14px/1.45 "DejaVu Sans", "Helvetica Neue", Arial, sans-serif; background: #fff; }
        header { border-bottom: 2px solid var(--ink); margin-bottom: 12px; }
        h1 { margin: 0; font-size: 24px; }
        header p { margin: 4px 0 8px; color: var(--muted); }
        h2 { font-size: 18px; margin: 24px 0 8px; }
        section { margin-bottom: 16px; }
        .chart { width: 100%; height: auto; display: block; margin: 4px 0; }
        .chart .axis { stroke: var(--ink); stroke-width: 1; }
        .chart .value { font-size: 10px; fill: var(--ink); }
        .chart .axis-label, .chart .legend { font-size: 11px; fill: var(--muted); }
        .chart .s1 { fill: var(--s1); } .chart .s2 { fill: var(--s2); }
        .chart .s3 { fill: var(--s3); } .chart .s4 { fill: var(--s4); }
        .chart .curve { fill: none; stroke: var(--s1); stroke-width: 2; }
        .chart .dot { fill: var(--s1); }
        .chart .threshold { stroke: var(--s3); stroke-width: 1; stroke-dasharray: 6 4; }
        .chart .threshold-label { font-size: 11px; fill: var(--s3); }
        table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 13px; }
        caption { text-align: left; color: var(--muted); padding-bottom: 4px; }
        th, td { border-bottom: 1px solid var(--line); padding: 3px 8px; text-align: left; }
        thead th { border-bottom: 2px solid var(--ink); }
        td.n, tfoot td { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
        tfoot th, tfoot td { font-weight: bold; border-top: 2px solid var(--ink); }
        .note { color: var(--muted); font-size: 12px; }
        footer { border-top: 1px solid var(--line); margin-top: 24px; color: var(--muted); font-size: 12px; }
        @media print {
          @page { size: A4; margin: 12mm; }
          body { max-width: none; padding: 0; font-size: 10pt; }
          section { break-inside: avoid; page-break-inside: avoid; }
          table { font-size: 9pt; }
          thead { display: table-header-group; }
        }

        """
}
