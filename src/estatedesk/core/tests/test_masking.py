from estatedesk.core.masking import mask_id_number, mask_phone, phone_for


def test_mask_phone_keeps_first_three_and_last_four() -> None:
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("0755-88886666") == "075****6666"
    assert mask_phone("") == ""
    assert mask_phone("110") == "*10"


def test_mask_id_number_keeps_four_each_side() -> None:
    assert mask_id_number("440301199001011234") == "4403**********1234"
    assert mask_id_number("1234") == "****"


def test_phone_for_depends_on_permission() -> None:
    assert phone_for("13812341234", may_see=True) == "13812341234"
    assert phone_for("13812341234", may_see=False) == "138****1234"
