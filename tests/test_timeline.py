from retrylab import timeline


def test_timeline_table_alt_text_and_picture_agree(lab, dag_file, antipattern):
    from retrylab.world import WorldConfig

    report = lab.run(dag_file("anti.py", antipattern), world=WorldConfig(records=800, page_size=200), crash="between_pages:2")
    table = timeline.table(report)
    assert "crash at between_pages:2" in table and "duplicate rows: 400" in table
    alt = timeline.alt_text(report)
    assert "try 1 failed" in alt and "try 2 success" in alt and "(400 records)" in alt
    png = timeline.png(timeline.figure(report))
    assert png.startswith(b"\x89PNG") and len(png) > 5000
    assert "| process_large_batch | 2 | success |" in timeline.markdown(report)


def test_ids_are_described_as_ranges_over_the_source():
    assert timeline.describe_ids([5, 1, 2, 3]) == "1-3, 5 (4 records)"
    assert timeline.describe_ids([10, 20], source_ids=[10, 20, 30]) == "10-20 (2 records)"
    assert timeline.describe_ids([7]) == "7 (1 record)"
    assert timeline.describe_ids([]) == "none"
