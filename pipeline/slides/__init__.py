"""What was on screen: slide changes, slide titles, the chapter list and the demo-day plan."""
