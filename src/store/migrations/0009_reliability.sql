-- Reliability (issue 11): a re-imported file does not append its rejects again. The importer
-- looks a reject up by (source, line) before recording it (same reason and raw text = same
-- reject); this index keeps that lookup cheap.
CREATE INDEX rejected_bars_source_line_idx ON market.rejected_bars (source, line);
