"""Career and life development data: profiles, consent, requests for a person."""
