"""A headless Chromium driven over the DevTools protocol on a pipe (``--remote-debugging-pipe``: commands on
the browser's fd 3, replies and events on its fd 4, each message a JSON text ended by a NUL byte), with the
standard library only. The tests use it to ask the browser what a page looks like to a reader: which fonts
drew a node's text (``CSS.getPlatformFontsForNode``, what DevTools shows as "Rendered Fonts")."""
from __future__ import annotations

import json
import os
import subprocess


class DevToolsError(RuntimeError):
    pass


class Browser(object):
    def __init__(self, chromium, flags):
        commands_read, self._commands = os.pipe()
        self._replies, replies_write = os.pipe()

        def on_fds_3_and_4():
            os.dup2(commands_read, 3)
            os.dup2(replies_write, 4)

        self.process = subprocess.Popen([chromium, *flags, "--remote-debugging-pipe", "about:blank"],
                                        preexec_fn=on_fds_3_and_4, pass_fds=(3, 4),
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(commands_read)
        os.close(replies_write)
        self._buffer = b""
        self._next_id = 0
        self._events = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        try:
            self.call("Browser.close")
        except (DevToolsError, OSError):
            pass
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        os.close(self._commands)
        os.close(self._replies)

    def _message(self):
        while b"\0" not in self._buffer:
            chunk = os.read(self._replies, 65536)
            if not chunk:
                raise DevToolsError("chromium closed the DevTools pipe (exit code %s)" % self.process.poll())
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def call(self, method, session=None, **params):
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._commands, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._message()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise DevToolsError("%s: %s" % (method, reply["error"]))
                return reply["result"]
            self._events.append(reply)

    def wait_for(self, event, session):
        while True:
            for index, message in enumerate(self._events):
                if message.get("method") == event and message.get("sessionId") == session:
                    return self._events.pop(index)
            self._events.append(self._message())

    def open(self, url):
        """A page (tab) showing ``url``, once its load event fired."""
        target = self.call("Target.createTarget", url="about:blank")["targetId"]
        session = self.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.call("Page.enable", session)
        self.call("Page.navigate", session, url=url)
        self.wait_for("Page.loadEventFired", session)
        self.call("DOM.enable", session)
        self.call("CSS.enable", session)
        return Page(self, session)


class Page(object):
    def __init__(self, browser, session):
        self.browser, self.session = browser, session

    def call(self, method, **params):
        return self.browser.call(method, self.session, **params)

    def document(self):
        return self.call("DOM.getDocument", depth=-1)["root"]

    def select(self, selector):
        node = self.call("DOM.querySelector", nodeId=self.document()["nodeId"], selector=selector)["nodeId"]
        if not node:
            raise DevToolsError("no element matches %s" % selector)
        return node

    def element_with_text(self, tag, text):
        """The node id of the first ``tag`` element whose only child is the text ``text``."""
        pending = [self.document()]
        while pending:
            node = pending.pop(0)
            children = node.get("children") or []
            if (node.get("localName") == tag and len(children) == 1 and children[0]["nodeType"] == 3
                    and children[0]["nodeValue"] == text):
                return node["nodeId"]
            pending.extend(children)
        raise DevToolsError("no <%s> reads %r" % (tag, text))

    def rendered_fonts(self, node):
        """{family: glyphs drawn} for the text of an element, as the browser laid it out."""
        # Asking for the element's box lays the page out first (after a change, such as opening a <details>,
        # the fonts would otherwise be those of the last layout: none, for text that was not laid out).
        self.call("DOM.getBoxModel", nodeId=node)
        fonts = self.call("CSS.getPlatformFontsForNode", nodeId=node)["fonts"]
        return {font["familyName"]: font["glyphCount"] for font in fonts}
