from marquee.search.interleaving import credit, team_draft


def test_identical_lists_keep_the_order():
    merged = team_draft(["a", "b", "c", "d"], ["a", "b", "c", "d"], 4, "q1")
    assert merged.ids == ("a", "b", "c", "d")
    assert sorted(merged.teams) == ["A", "A", "B", "B"]


def test_disjoint_lists_alternate_in_rank_order_per_team():
    merged = team_draft(["a1", "a2", "a3"], ["b1", "b2", "b3"], 6, "q2")
    assert [d for d, t in zip(merged.ids, merged.teams, strict=True) if t == "A"] == ["a1", "a2", "a3"]
    assert [d for d, t in zip(merged.ids, merged.teams, strict=True) if t == "B"] == ["b1", "b2", "b3"]
    for i in range(0, 6, 2):  # every round gives one pick to each team
        assert set(merged.teams[i:i + 2]) == {"A", "B"}


def test_deterministic_per_seed_and_exhausted_team_fills():
    assert team_draft(["x", "y"], ["z"], 3, "s") == team_draft(["x", "y"], ["z"], 3, "s")
    merged = team_draft(["x", "y"], ["z"], 3, "s")
    assert set(merged.ids) == {"x", "y", "z"} and merged.teams.count("B") == 1


def test_credit_counts_each_clicked_position_once():
    assert credit(("A", "B", "A"), [1, 3, 3, 2, 9]) == (2, 1)
