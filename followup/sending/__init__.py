"""Getting each message to a person once: queueing, dispatch, quiet hours, delivery, tracking."""
