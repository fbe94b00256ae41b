"""The classroom: classroom rooms, the teacher's tools, the whiteboard, slides, answers, breakout groups and exports."""
