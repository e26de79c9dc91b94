"""Companies and users: API 6 and API 5 shapes of a service user."""

from __future__ import annotations

from typing import Any

from .oz_http import Oz, StartEmulator, assert_oz_error


def test_admin_creates_a_company(oz: Oz, admin: str) -> None:
    response = oz.call("POST", "/api/companies/", admin, json={"name": "Acme"})

    assert response.status_code == 201
    body = response.json()
    assert body["company_id"]
    assert body["name"] == "Acme"
    assert body["in_deletion"] is False
    assert body["technical_meta_data"] == {}


def test_company_without_name_is_400(oz: Oz, admin: str) -> None:
    assert_oz_error(oz.call("POST", "/api/companies/", admin, json={}), 400, 3)


def test_api6_service_user_is_client_service(oz: Oz, admin: str) -> None:
    company = oz.call("POST", "/api/companies/", admin, json={"name": "Acme"}).json()

    response = oz.create_user(
        admin,
        "svc@example.com",
        {
            "user_type": "CLIENT_SERVICE",
            "company_id": company["company_id"],
            "can_start_analysis_quality": True,
        },
    )

    assert response.status_code == 201
    user = response.json()
    assert user["user_id"]
    assert user["user_type"] == "CLIENT_SERVICE"
    assert user["is_service"] is True
    assert user["is_active"] is True
    assert user["email"] == "svc@example.com"
    assert user["company_id"] == company["company_id"]
    assert user["can_start_analysis_quality"] is True
    assert user["can_start_analyse_quality"] is True
    assert user["can_start_analyse_biometry"] is False


def test_api6_refuses_the_api5_service_shape(oz: Oz, admin: str) -> None:
    response = oz.create_user(admin, "svc@example.com", {"user_type": "CLIENT", "is_service": True})

    assert_oz_error(response, 400, 4)


def test_api5_service_user_is_client_with_is_service(start_emulator: StartEmulator) -> None:
    oz = Oz(start_emulator(api_version=5))
    admin = oz.admin_token()

    response = oz.create_user(
        admin,
        "svc@example.com",
        {"user_type": "CLIENT", "is_service": True, "can_start_analyse_quality": True},
    )

    assert response.status_code == 201
    user = response.json()
    assert user["user_type"] == "CLIENT"
    assert user["is_service"] is True
    assert user["can_start_analyse_quality"] is True
    assert "can_start_analysis_quality" not in user


def test_api5_refuses_the_api6_service_shape(start_emulator: StartEmulator) -> None:
    oz = Oz(start_emulator(api_version=5))

    response = oz.create_user(oz.admin_token(), "svc@example.com", {"user_type": "CLIENT_SERVICE"})

    assert_oz_error(response, 400, 4)


def test_api5_ignores_the_api6_permission_spelling(start_emulator: StartEmulator) -> None:
    oz = Oz(start_emulator(api_version=5))

    response = oz.create_user(
        oz.admin_token(),
        "svc@example.com",
        {"user_type": "CLIENT", "is_service": True, "can_start_analysis_quality": True},
    )

    assert response.status_code == 201
    assert response.json()["can_start_analyse_quality"] is False


def test_plain_client_user_is_not_a_service(oz: Oz, admin: str) -> None:
    response = oz.create_user(admin, "person@example.com", {"first_name": "Ann"})

    assert response.status_code == 201
    assert response.json()["user_type"] == "CLIENT"
    assert response.json()["is_service"] is False
    assert response.json()["first_name"] == "Ann"


def test_created_user_can_sign_in(oz: Oz, admin: str) -> None:
    oz.create_user(admin, "person@example.com", {}, password="p4ss-word")

    body = oz.sign_in("person@example.com", "p4ss-word")

    assert body["user"]["email"] == "person@example.com"


def test_duplicate_email_is_400_code_4(oz: Oz, admin: str) -> None:
    assert oz.create_user(admin, "svc@example.com", {}).status_code == 201

    response = oz.create_user(admin, "SVC@example.com", {})

    assert_oz_error(response, 400, 4)


def test_user_without_profile_is_400_code_3(oz: Oz, admin: str) -> None:
    body: dict[str, Any] = {"credentials": {"email": "a@example.com", "password": "x"}}

    response = oz.call("POST", "/api/users/", admin, json=body)

    assert_oz_error(response, 400, 3)


def test_user_without_password_is_400_code_3(oz: Oz, admin: str) -> None:
    body = {"credentials": {"email": "a@example.com"}, "profile": {}}

    response = oz.call("POST", "/api/users/", admin, json=body)

    assert_oz_error(response, 400, 3)


def test_unknown_company_is_400_code_10(oz: Oz, admin: str) -> None:
    response = oz.create_user(admin, "a@example.com", {"company_id": "no-such-company"})

    assert_oz_error(response, 400, 10)


def test_permission_flag_of_wrong_type_is_400_code_5(oz: Oz, admin: str) -> None:
    response = oz.create_user(admin, "a@example.com", {"can_start_analyse_quality": "yes"})

    assert_oz_error(response, 400, 5)


def test_unknown_user_type_is_400_code_4(oz: Oz, admin: str) -> None:
    assert_oz_error(oz.create_user(admin, "a@example.com", {"user_type": "ROBOT"}), 400, 4)


def test_creating_a_user_needs_a_token(oz: Oz) -> None:
    assert_oz_error(oz.create_user(None, "a@example.com", {}), 401, 6)


def test_email_without_at_sign_is_400_code_4(oz: Oz, admin: str) -> None:
    assert_oz_error(oz.create_user(admin, "not-an-email", {}), 400, 4)
