"""Home: the classic circuit solved, then the lessons in order."""
