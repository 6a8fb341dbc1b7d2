"""Self-study: trainees read published modules and answer their quizzes outside lectures."""
