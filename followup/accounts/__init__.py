"""Staff identities: users, roles per programme, sign-in policy, audit log."""
