"""The whole policy, opened from a quote: its canonical text with headings, the quote highlighted, the original file."""

from app import render_policy_page

render_policy_page()
