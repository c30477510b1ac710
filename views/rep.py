"""The rep console: verdict chip, policy number and section, codes, dates, the quote to read out, a transcript."""

from app import render_chat_page

render_chat_page("rep")
