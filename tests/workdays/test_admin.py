def test_old_calendar_admin_addresses_lead_to_the_workdays_pages(client):
    """Bookmarks from before the calendar had its own app keep working (permanent redirect, query kept)."""
    response = client.get("/admin/core/calendarday/?year=2026")
    assert response.status_code == 301
    assert response["Location"] == "/admin/workdays/calendarday/?year=2026"
    assert (
        client.get("/admin/core/calendaryear/2026/change/")["Location"]
        == "/admin/workdays/calendaryear/2026/change/"
    )
