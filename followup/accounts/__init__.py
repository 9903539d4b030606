"""Staff identities: users, roles per programme, sign-in policy, second factor, audit log."""
