"""The member help page: plain answers, the policy's own words, the disclaimer and a way to reach a person."""

from app import render_chat_page

render_chat_page("member")
