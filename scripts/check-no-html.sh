#!/usr/bin/env bash
# Invariant: the UI never turns a string into HTML. Views build DOM nodes and text nodes
# only, so a lesson's content, a name or a server message can never run as markup in the
# webview. (Lesson HTML is sanitised by the protocol on both sides, and shown as text.)
# The one audited exception is marked `html-audited` on its line, with why.
set -euo pipefail
cd "$(dirname "$0")/.."
found=$(git grep -nE 'innerHTML|outerHTML|insertAdjacentHTML|document\.write|DOMParser|createContextualFragment' -- ui/src | grep -v 'html-audited' || true)
if [ -n "$found" ]; then
  echo "$found"
  echo "check-no-html: the lines above turn strings into HTML in the webview"
  exit 1
fi
echo "check-no-html: the UI builds its DOM from nodes and text only"
