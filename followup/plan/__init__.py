"""Who is followed up, and when: programmes, waves, cohorts, participants, the calendar."""
