"""Member accounts: sign-up, verification, login, reset, profile and GDPR."""
