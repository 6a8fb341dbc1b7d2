"""Live lectures: schedule, presenter, trainees following on phones, presence, credit, quizzes."""
