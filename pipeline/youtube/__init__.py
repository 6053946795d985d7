"""Publishing on YouTube: what a work folder says to publish, YouTube's rules for titles and
chapters, the video's title and date, the publisher and the leak response."""
