"""Level 2: attribution, confidence and coverage — what the located events mean for the parties."""
