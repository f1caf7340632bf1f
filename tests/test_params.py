from server.params import whole_number


def test_whole_number_reads_ascii_digits_only():
    assert whole_number("0") == 0
    assert whole_number("250") == 250
    for raw in (None, "", " 3", "3 ", "-1", "+1", "1.0", "²", "٣", "１２", "1e3"):
        assert whole_number(raw) is None, raw


def test_runs_limit_in_other_scripts_is_a_clear_400(client):
    response = client.get("/api/runs?limit=²")
    assert response.status_code == 400
    assert "limit" in response.get_json()["error"]
