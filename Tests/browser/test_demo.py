#!/usr/bin/env python3
"""End-to-end: real headless Chromium pages open WebRTC data channels through the real server.

Run it through `scripts/browser-test`, which installs Chromium, chromedriver and selenium and
starts this inside a network namespace where only loopback exists (nothing may leave the
machine). The test:

- starts the built `signal-server` three times, each with auth ON and a fresh `.env` from
  `signal-server keygen --env-file`: with `DEMO_PAGE=false` and with `--no-demo-page` (`GET /demo`
  must be the JSON 404), then with defaults (`GET /demo` is the HTML page) for the browsers;
- mints room tokens through `POST /token` with the admin secret;
- opens /demo#token=...&nodeId=... in three headless Chromium instances (alice, bob, carol),
  asserts that ICE candidates were gathered, that data channels open between every pair, that
  chat typed in one page arrives in the other two, and that `/health` counts 3 peers in 1 room;
- re-opens carol in a new tab with the same nodeId: the old tab's socket must be closed 1000
  "replaced by new connection", alice and bob must replace their old peer connection with the
  new offer, the channels re-open and chat flows again; `/health` still counts 3 peers, 1 room;
- with a fourth server, AUTH_DISABLED=true, two more tabs join by `#room=` alone and connect;
- starts `redis-server` on loopback and two servers sharing rooms through it (REDIS_URL): a page on
  each instance, same room, opens a data channel to the other and chat flows both ways; both
  instances' `/health` count 2 instances and 2 peers in the cluster;
- starts coturn (`turnserver`, use-auth-secret) on loopback and a fifth server with TURN_SECRET
  and TURN_URLS pointing at it; two tabs open /demo with `&relay=1` (iceTransportPolicy "relay"),
  so the only way to connect is a coturn relay opened with the credentials from their peer-list:
  relay candidates gathered, no candidate error, data channels open, chat delivered;
- saves a screenshot of alice's page with bob connected (SCREENSHOT, default
  .build/demo-screenshot.png).

Every wait is bounded; Chromium, chromedriver and coturn are ended by PID in a `finally`, and
their profiles live in a temporary folder that is removed. Ends with `N passed, M failed`.

Environment: SIGNAL_SERVER_BIN (default .build/debug/signal-server), SCREENSHOT, CHROMIUM_BIN, TURNSERVER_BIN, REDIS_SERVER_BIN,
CHROMEDRIVER_BIN, BROWSER_TEST_WAIT (seconds per wait, default 20), BROWSER_TEST_TIMEOUT
(seconds for the whole test, default 300).
"""

import json
import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
SERVER_BIN = os.environ.get("SIGNAL_SERVER_BIN", str(ROOT / ".build/debug/signal-server"))
SCREENSHOT = pathlib.Path(os.environ.get("SCREENSHOT", str(ROOT / ".build/demo-screenshot.png")))
CHROMIUM = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver")
TURNSERVER = os.environ.get("TURNSERVER_BIN", "/usr/bin/turnserver")
REDIS_SERVER = os.environ.get("REDIS_SERVER_BIN", "/usr/bin/redis-server")
WAIT = float(os.environ.get("BROWSER_TEST_WAIT", "20"))
TOTAL = int(os.environ.get("BROWSER_TEST_TIMEOUT", "300"))
ROOM = "demo-room"

# BROWSERS.md: headless (no X server), no sandbox (we run as root), loopback ICE candidates and
# no media prompt (without both, no candidates at all in a loopback-only namespace), and the
# two guards that keep Chromium off the network should it ever run outside the namespace.
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--allow-loopback-in-peer-connection",
    "--use-fake-ui-for-media-stream",
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--disable-features=WebRtcHideLocalIpsWithMdns",
    "--window-size=1280,800",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-background-timer-throttling",
    "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
]


class Failure(Exception):
    """A check that did not hold; the message says what was expected and what was seen."""


def wait_for(what, probe, timeout=WAIT, interval=0.1):
    """Polls `probe` until it returns a truthy value; fails naming `what` and the last value."""
    deadline = time.monotonic() + timeout
    last = None
    while True:
        last = probe()
        if last:
            return last
        if time.monotonic() >= deadline:
            raise Failure(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


# ---------------------------------------------------------------------------------------------
# Processes


def descendants(pid):
    """PIDs of every process below `pid`, from /proc."""
    children = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_pids(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class LoggedProcess:
    """A subprocess whose output lines a thread collects; `ready` is the first match of a pattern."""

    def __init__(self, command, cwd, ready_pattern, env=None):
        self.lines = []
        self.ready = None
        self._pattern = re.compile(ready_pattern)
        self._seen = threading.Event()
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=self._read, daemon=True).start()

    def wait_ready(self):
        """The match, once a line matched (at most WAIT seconds), else None."""
        self._seen.wait(WAIT)
        return self.ready

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if self.ready is None:
                self.ready = self._pattern.search(line)
                if self.ready:
                    self._seen.set()
        self._seen.set()

    def stop(self):
        """SIGTERM, then SIGKILL if it is still running 10 s later."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


class Server:
    """The real `signal-server serve` on an ephemeral loopback port."""

    def __init__(self, workdir, name, env_file, args=(), env=None):
        self.name = name
        environment = {k: v for k, v in os.environ.items() if not k.startswith(("DEMO_", "AUTH_", "PORT", "HOST"))}
        environment.update(env or {})
        command = [SERVER_BIN, "serve", "--host", "127.0.0.1", "--port", "0", "--env-file", env_file, *args]
        self.output = LoggedProcess(command, workdir, r"listening on http://127\.0\.0\.1:(\d+)", environment)
        ready = self.output.wait_ready()
        if not ready:
            self.stop()
            raise Failure(f"server {name} did not print its port; output:\n" + "\n".join(self.output.lines[-20:]))
        self.port = int(ready.group(1))
        self.base = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.output.stop()

    def request(self, method, path, body=None, headers=None):
        """(status, content type, body text); errors are answers too."""
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method, headers=headers or {})
        if data is not None:
            request.add_header("content-type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, response.headers.get("content-type"), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.headers.get("content-type"), error.read().decode()

    def health(self):
        status, _, text = self.request("GET", "/health")
        if status != 200:
            raise Failure(f"/health answered {status}: {text}")
        return json.loads(text)


class Coturn:
    """coturn's `turnserver` on a free loopback port with `use-auth-secret` (flags from TURN.md)."""

    def __init__(self, workdir, secret):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        folder = os.path.join(workdir, "coturn")
        os.makedirs(folder, exist_ok=True)
        command = [
            TURNSERVER, "-n", "-v", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", f"--listening-port={self.port}",
            "--min-port=49160", "--max-port=49360", "--use-auth-secret", f"--static-auth-secret={secret}",
            "--realm=signal-server.test", "--fingerprint", "--no-cli", "--no-tls", "--no-dtls", "--log-file=stdout",
            "--simple-log", f"--pidfile={folder}/turnserver.pid", f"--userdb={folder}/turnserver.db",
            "--no-multicast-peers", "--allow-loopback-peers",
        ]
        self.output = LoggedProcess(command, folder, re.escape(f"UDP listener opened on: 127.0.0.1:{self.port}"))
        if not self.output.wait_ready():
            self.stop()
            raise Failure("coturn did not open its UDP listener; output:\n" + "\n".join(self.output.lines[-20:]))

    def stop(self):
        self.output.stop()


def free_tcp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Redis:
    """`redis-server` on a free loopback port, nothing saved to disk."""

    def __init__(self, workdir):
        self.port = free_tcp_port()
        folder = os.path.join(workdir, "redis")
        os.makedirs(folder, exist_ok=True)
        command = [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                   "--dir", folder]
        self.output = LoggedProcess(command, folder, r"Ready to accept connections")
        if not self.output.wait_ready():
            self.stop()
            raise Failure("redis-server did not get ready; output:\n" + "\n".join(self.output.lines[-20:]))
        self.url = f"redis://127.0.0.1:{self.port}"

    def stop(self):
        self.output.stop()


class Browser:
    """One headless Chromium with its chromedriver; every PID recorded for the cleanup."""

    def __init__(self, profiles, name):
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service

        self.name = name
        self.pids = set()
        options = Options()
        options.binary_location = CHROMIUM
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profiles}/{name}")
        # Chromium's own scratch folders (/tmp/org.chromium.*) go under `profiles` too, so they
        # are removed with it even when a browser is killed.
        scratch = os.path.join(profiles, f"tmp-{name}")
        os.makedirs(scratch, exist_ok=True)
        self.service = Service(executable_path=CHROMEDRIVER, log_output=f"{profiles}/chromedriver-{name}.log",
                               env={**os.environ, "TMPDIR": scratch})
        try:
            self.driver = webdriver.Chrome(service=self.service, options=options)
        except BaseException:
            self.record_pids()
            kill_pids(sorted(self.pids))
            raise
        self.record_pids()
        self.driver.set_page_load_timeout(WAIT)
        self.driver.set_script_timeout(WAIT)

    def record_pids(self):
        process = getattr(self.service, "process", None)
        if process is not None:
            self.pids.add(process.pid)
            self.pids.update(descendants(process.pid))

    def close(self):
        """Quits politely for at most 10 s, then kills everything it started, by PID."""
        self.record_pids()
        quitter = threading.Thread(target=self._quit, daemon=True)
        quitter.start()
        quitter.join(10)
        self.record_pids()
        kill_pids(sorted(self.pids))

    def _quit(self):
        try:
            self.driver.quit()
        except Exception:
            pass


class Page:
    """One tab of a browser showing /demo."""

    def __init__(self, browser, url, label, new_tab=False):
        self.browser = browser
        self.driver = browser.driver
        self.label = label
        if new_tab:
            self.driver.switch_to.new_window("tab")
        self.handle = self.driver.current_window_handle
        self.driver.get(url)
        browser.record_pids()

    def focus(self):
        if self.driver.current_window_handle != self.handle:
            self.driver.switch_to.window(self.handle)

    def state(self):
        self.focus()
        return self.driver.execute_script("return window.__state ? JSON.parse(JSON.stringify(window.__state)) : null")

    def wait_state(self, what, predicate, timeout=WAIT):
        """Waits until `predicate(state)` holds; on failure shows the page's state and log."""
        seen = {}

        def probe():
            seen["state"] = self.state()
            return seen["state"] is not None and predicate(seen["state"])

        try:
            return wait_for(f"{self.label}: {what}", probe, timeout)
        except Failure as failure:
            raise Failure(f"{failure}\n{describe(self.label, seen.get('state'))}") from None

    def chat(self, text):
        from selenium.webdriver.common.by import By
        from selenium.webdriver.common.keys import Keys

        self.focus()
        box = self.driver.find_element(By.ID, "chat-input")
        box.send_keys(text)
        box.send_keys(Keys.ENTER)


def describe(label, state):
    if state is None:
        return f"  {label}: no window.__state (page did not load?)"
    keep = {k: state.get(k) for k in ("signal", "registered", "nodeId", "room", "closeCode", "closeReason",
                                       "peers", "channels", "connections", "ice", "candidates",
                                       "remoteCandidates", "replacedConnections", "errors")}
    return f"  {label} state: {json.dumps(keep)}\n  {label} log (last 12): " + json.dumps(state.get("log", [])[-12:], indent=1)


# ---------------------------------------------------------------------------------------------
# The test


class DemoTest:
    def __init__(self, workdir):
        self.workdir = workdir
        self.profiles = os.path.join(workdir, "profiles")
        os.makedirs(self.profiles)
        self.env_file = os.path.join(workdir, ".env")
        self.servers = []
        self.browsers = []
        self.coturn = None
        self.redis = None
        self.server = None
        self.pages = {}
        self.tokens = {}
        self.passed = 0
        self.failed = 0

    # -- set-up helpers

    def keygen(self):
        result = subprocess.run([SERVER_BIN, "keygen", "--env-file", self.env_file], cwd=self.workdir,
                                stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=WAIT)
        if result.returncode != 0:
            raise Failure(f"keygen failed ({result.returncode}): {result.stderr}")
        with open(self.env_file) as env:
            secrets = dict(line.strip().split("=", 1) for line in env if "=" in line and not line.startswith("#"))
        self.admin_secret = secrets.get("ADMIN_SECRET")
        if not self.admin_secret or not secrets.get("PRIVATE_KEY_JWK"):
            raise Failure("keygen --env-file wrote no keys or no ADMIN_SECRET")

    def start_server(self, name, args=(), env=None):
        server = Server(self.workdir, name, self.env_file, args, env)
        self.servers.append(server)
        return server

    def mint(self, node, server=None):
        status, _, text = (server or self.server).request(
            "POST", "/token", {"ttl": "10m", "subject": ROOM}, {"x-admin-secret": self.admin_secret})
        if status != 201:
            raise Failure(f"POST /token answered {status}: {text}")
        token = json.loads(text)["token"]
        self.tokens[node] = token
        return token

    def open_page(self, node, browser=None, label=None):
        if browser is None:
            browser = Browser(self.profiles, node)
            self.browsers.append(browser)
            new_tab = False
        else:
            new_tab = True
        url = f"{self.server.base}/demo#token={self.tokens.get(node) or self.mint(node)}&nodeId={node}"
        page = Page(browser, url, label or node, new_tab=new_tab)
        page.wait_state("registered (peer-list received)", lambda s: s["signal"] == "open" and s["registered"])
        return page

    def expect_health(self, peers, rooms):
        def probe():
            health = self.server.health()
            return health if (health["peers"], health["rooms"]) == (peers, rooms) else None

        try:
            return wait_for(f"/health to count {peers} peers in {rooms} room(s)", probe)
        except Failure as failure:
            raise Failure(f"{failure}; last /health: {self.server.health()}") from None

    def expect_channels(self, pages):
        """Every page's data channel to every other page is open."""
        for page in pages:
            others = [other.label.split(" ")[0] for other in pages if other is not page]
            page.wait_state(f"open data channels to {', '.join(others)}",
                            lambda s, others=others: all(s["channels"].get(o) == "open" for o in others))

    def expect_chat(self, sender, receivers, text):
        sender.chat(text)
        sender.wait_state(f"its own message {text!r} shown", lambda s: any(m["text"] == text and m["mine"] for m in s["messages"]))
        node = sender.state()["nodeId"]
        for receiver in receivers:
            receiver.wait_state(f"chat {text!r} from {node}",
                                lambda s: any(m["text"] == text and m["from"] == node for m in s["messages"]))

    # -- checks, in order; each may rely on the ones before

    def check_demo_page_off_by_env(self):
        server = self.start_server("DEMO_PAGE=false", env={"DEMO_PAGE": "false"})
        try:
            self.expect_not_found(server)
        finally:
            server.stop()

    def check_demo_page_off_by_flag(self):
        server = self.start_server("--no-demo-page", args=["--no-demo-page"])
        try:
            self.expect_not_found(server)
        finally:
            server.stop()

    @staticmethod
    def expect_not_found(server):
        status, content_type, text = server.request("GET", "/demo")
        expected = {"statusCode": 404, "error": "Not Found", "message": "Route GET:/demo not found"}
        if status != 404 or json.loads(text) != expected or not content_type.startswith("application/json"):
            raise Failure(f"GET /demo with the page off: {status} {content_type} {text}")

    def check_demo_page_served(self):
        self.server = self.start_server("default")
        status, content_type, text = self.server.request("GET", "/demo")
        if status != 200 or content_type != "text/html; charset=utf-8":
            raise Failure(f"GET /demo answered {status} {content_type}")
        if "<title>signal-server demo</title>" not in text:
            raise Failure("GET /demo is not the demo page")
        external = re.findall(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//[^"'\s>]*""", text)
        if external:
            raise Failure(f"the demo page loads external assets: {external}")
        health = self.server.health()
        if health["auth"] != "enabled" or health["peers"] != 0:
            raise Failure(f"fresh server /health: {health}")

    def check_two_pages_connect(self):
        alice = self.pages["alice"] = self.open_page("alice")
        bob = self.pages["bob"] = self.open_page("bob")
        if bob.state()["peers"] != ["alice"]:
            raise Failure(f"bob's peer-list: {bob.state()['peers']} (expected alice)")
        for page in (alice, bob):
            page.wait_state(
                "ICE candidates gathered (none at all means Chromium lacks --allow-loopback-in-peer-connection "
                "or --use-fake-ui-for-media-stream in a loopback-only namespace)",
                lambda s: s["candidates"] > 0)
        self.expect_channels([alice, bob])

    def check_chat_between_two(self):
        alice, bob = self.pages["alice"], self.pages["bob"]
        self.expect_chat(alice, [bob], "hello from alice")
        self.expect_chat(bob, [alice], "hi alice, bob here")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        alice.focus()
        if not alice.driver.save_screenshot(str(SCREENSHOT)):
            raise Failure(f"could not save {SCREENSHOT}")
        with open(SCREENSHOT, "rb") as png:
            if png.read(8) != b"\x89PNG\r\n\x1a\n":
                raise Failure(f"{SCREENSHOT} is not a PNG")

    def check_three_pages_mesh(self):
        self.pages["carol"] = self.open_page("carol")
        carol = self.pages["carol"]
        if sorted(carol.state()["peers"]) != ["alice", "bob"]:
            raise Failure(f"carol's peer-list: {carol.state()['peers']}")
        self.expect_channels([self.pages["alice"], self.pages["bob"], carol])

    def check_chat_reaches_the_other_two(self):
        alice, bob, carol = self.pages["alice"], self.pages["bob"], self.pages["carol"]
        self.expect_chat(carol, [alice, bob], "carol says hi to both")
        self.expect_chat(bob, [alice, carol], "bob to everyone")

    def check_health_counts_three(self):
        self.expect_health(3, 1)

    def check_reopened_page_replaces_old_socket(self):
        alice, bob, old = self.pages["alice"], self.pages["bob"], self.pages["carol"]
        before = {page.label: page.state()["replacedConnections"] for page in (alice, bob)}
        new = self.pages["carol"] = self.open_page("carol", browser=old.browser, label="carol (re-opened)")
        old.wait_state("its socket closed 1000 'replaced by new connection'",
                       lambda s: s["signal"] == "closed" and s["closeCode"] == 1000
                       and s["closeReason"] == "replaced by new connection")
        for page in (alice, bob):
            page.wait_state("the re-opened carol's offer replacing the old peer connection",
                            lambda s, page=page: s["replacedConnections"] > before[page.label])
        self.expect_channels([alice, bob, new])
        self.expect_chat(new, [alice, bob], "carol is back")
        self.expect_chat(alice, [bob, new], "welcome back carol")
        if any(m["text"] == "welcome back carol" for m in old.state()["messages"]):
            raise Failure("the replaced carol page still received chat")
        self.expect_health(3, 1)

    def check_auth_disabled_by_room(self):
        server = self.start_server("AUTH_DISABLED=true", env={"AUTH_DISABLED": "true"})
        if server.health()["auth"] != "disabled":
            raise Failure(f"/health with AUTH_DISABLED=true: {server.health()}")
        pages = []
        for node, browser in (("dave", self.browsers[0]), ("erin", self.browsers[1])):
            page = Page(browser, f"{server.base}/demo#room=open-room&nodeId={node}", node, new_tab=True)
            page.wait_state("registered without a token", lambda s: s["signal"] == "open" and s["registered"])
            self.pages[node] = page
            pages.append(page)
        self.expect_channels(pages)
        self.expect_chat(pages[1], [pages[0]], "no token needed")
        health = server.health()
        if (health["peers"], health["rooms"]) != (2, 1):
            raise Failure(f"/health with auth off: {health}")

    def check_pages_on_two_instances(self):
        self.redis = Redis(self.workdir)
        instances = [self.start_server(f"signal-{index}", env={"REDIS_URL": self.redis.url, "INSTANCE_ID": f"signal-{index}"})
                     for index in (1, 2)]
        pages = []
        for node, browser, server in (("henry", self.browsers[0], instances[0]), ("ivy", self.browsers[1], instances[1])):
            url = f"{server.base}/demo#token={self.mint(node, server)}&nodeId={node}"
            page = Page(browser, url, f"{node} (on {server.name})", new_tab=True)
            page.wait_state("registered", lambda s: s["signal"] == "open" and s["registered"])
            self.pages[node] = page
            pages.append(page)
        if pages[1].state()["peers"] != ["henry"]:
            raise Failure(f"ivy's peer-list from the other instance: {pages[1].state()['peers']} (expected henry)")
        self.expect_channels(pages)
        self.expect_chat(pages[0], [pages[1]], "across two instances")
        self.expect_chat(pages[1], [pages[0]], "and back through Redis")
        for server in instances:
            cluster = wait_for(f"{server.name}'s /health to count 2 instances and 2 peers",
                               lambda server=server: (c := server.health().get("cluster")) and c["instances"] == 2
                               and c["peers"] == 2 and c)
            if server.health()["peers"] != 1 or cluster["redis"] != "connected":
                raise Failure(f"{server.name} /health: {server.health()}")

    def check_turn_relay(self):
        secret = "browser-test-turn-" + os.urandom(12).hex()
        self.coturn = Coturn(self.workdir, secret)
        server = self.start_server("TURN", env={"TURN_SECRET": secret,
                                                "TURN_URLS": f"turn:127.0.0.1:{self.coturn.port}?transport=udp"})
        status, _, text = server.request("GET", "/turn-credentials")
        if status != 401:
            raise Failure(f"GET /turn-credentials without a token answered {status}: {text}")
        pages = []
        for node, browser in (("frank", self.browsers[0]), ("grace", self.browsers[1])):
            url = f"{server.base}/demo#token={self.mint(node, server)}&nodeId={node}&relay=1"
            page = Page(browser, url, node, new_tab=True)
            page.wait_state("registered with iceServers in its peer-list",
                            lambda s: s["signal"] == "open" and s["registered"] and s["iceServerCount"] == 1)
            if page.state()["iceTransportPolicy"] != "relay":
                raise Failure(f"{node}: relay=1 did not set iceTransportPolicy relay")
            self.pages[node] = page
            pages.append(page)
        for page in pages:
            page.wait_state("relay candidates (typ relay) from coturn",
                            lambda s: s["relayCandidates"] > 0 or s["candidateErrors"])
            state = page.state()
            if state["candidateErrors"] or state["relayCandidates"] != state["candidates"]:
                raise Failure(f"{page.label}: candidate errors {state['candidateErrors']}, "
                              f"{state['relayCandidates']} relay of {state['candidates']} candidates")
        self.expect_channels(pages)
        self.expect_chat(pages[0], [pages[1]], "relayed by coturn")
        self.expect_chat(pages[1], [pages[0]], "and back through the relay")
        # The selected pair must be relay on both ends: the data went through coturn.
        for page in pages:
            page.focus()
            kinds = page.driver.execute_async_script("""
                const done = arguments[arguments.length - 1];
                const id = arguments[0];
                window.__peerConnection(id).getStats().then((stats) => {
                  const kinds = [];
                  stats.forEach((report) => {
                    if (report.type === 'candidate-pair' && report.nominated && report.state === 'succeeded') {
                      kinds.push([stats.get(report.localCandidateId).candidateType, stats.get(report.remoteCandidateId).candidateType]);
                    }
                  });
                  done(kinds);
                }, (e) => done(String(e)));
            """, "grace" if page.label == "frank" else "frank")
            if not kinds or any(pair != ["relay", "relay"] for pair in kinds):
                raise Failure(f"{page.label}: selected candidate pairs {kinds} (expected relay to relay)")

    def check_no_page_errors(self):
        for name, page in self.pages.items():
            errors = page.state()["errors"]
            if errors:
                raise Failure(f"{name} logged errors: {errors}")

    CHECKS = [
        ("GET /demo is the JSON 404 with DEMO_PAGE=false", check_demo_page_off_by_env),
        ("GET /demo is the JSON 404 with --no-demo-page", check_demo_page_off_by_flag),
        ("GET /demo serves the self-contained page by default (auth on)", check_demo_page_served),
        ("two pages gather ICE candidates and open a data channel", check_two_pages_connect),
        ("chat crosses the channel both ways; screenshot saved", check_chat_between_two),
        ("a third page opens channels to both (every pair open)", check_three_pages_mesh),
        ("a chat message from one page arrives in the other two", check_chat_reaches_the_other_two),
        ("/health counts 3 peers in 1 room", check_health_counts_three),
        ("a page re-opened with the same nodeId replaces the old socket; channels re-open", check_reopened_page_replaces_old_socket),
        ("with auth off, pages join by room alone and connect", check_auth_disabled_by_room),
        ("pages on two instances sharing the room through Redis connect and chat", check_pages_on_two_instances),
        ("with TURN, two relay-only pages connect through coturn with the server's credentials", check_turn_relay),
        ("no page logged an error", check_no_page_errors),
    ]

    def run(self):
        started = time.monotonic()
        self.keygen()
        for index, (title, check) in enumerate(self.CHECKS):
            began = time.monotonic()
            try:
                check(self)
            except Exception as error:  # noqa: BLE001 - a failure of any kind is reported the same way
                self.failed += 1
                print(f"FAIL  {title} ({time.monotonic() - began:.1f}s)\n  {error}", flush=True)
                self.dump()
                not_run = len(self.CHECKS) - index - 1
                if not_run:
                    print(f"(stopping: {not_run} later checks not run)")
                break
            self.passed += 1
            print(f"ok    {title} ({time.monotonic() - began:.1f}s)", flush=True)
        print(f"browser test: {time.monotonic() - started:.1f}s; screenshot: {SCREENSHOT}")
        print(f"{self.passed} passed, {self.failed} failed")
        return self.failed == 0 and self.passed == len(self.CHECKS)

    def dump(self):
        for server in self.servers:
            print(f"--- server {server.name} output (last 15 lines)")
            print("\n".join(server.output.lines[-15:]))
        if self.redis:
            print("--- redis-server output (last 10 lines)")
            print("\n".join(self.redis.output.lines[-10:]))
        if self.coturn:
            print("--- coturn output (last 25 lines)")
            print("\n".join(self.coturn.output.lines[-25:]))
        for name, page in self.pages.items():
            try:
                print(describe(name, page.state()))
            except Exception as error:  # noqa: BLE001
                print(f"  {name}: state unavailable ({error})")

    def cleanup(self):
        for browser in self.browsers:
            browser.close()
        for server in self.servers:
            server.stop()
        if self.coturn:
            self.coturn.stop()
        if self.redis:
            self.redis.stop()


def interfaces_besides_loopback():
    """Network interfaces of this process's namespace (/proc/self/net/dev, unlike /sys/class/net,
    follows the namespace) other than `lo`."""
    with open("/proc/self/net/dev") as table:
        names = [line.split(":", 1)[0].strip() for line in table if ":" in line]
    return [name for name in names if name != "lo"]


def main():
    interfaces = interfaces_besides_loopback()
    if interfaces and os.environ.get("BROWSER_TEST_ALLOW_NETWORK") != "1":
        print(f"error: network interfaces besides loopback are present ({', '.join(interfaces)}); run this through "
              "scripts/browser-test, which starts it in a loopback-only network namespace", file=sys.stderr)
        return 2
    for path in (SERVER_BIN, CHROMIUM, CHROMEDRIVER, TURNSERVER, REDIS_SERVER):
        if not os.access(path, os.X_OK):
            print(f"error: {path} is missing or not executable", file=sys.stderr)
            return 2
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never reach for the network

    def interrupted(signum, _frame):
        raise SystemExit(f"browser test stopped by signal {signum}")

    def overtime(_signum, _frame):
        raise TimeoutError(f"browser test exceeded BROWSER_TEST_TIMEOUT={TOTAL}s")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGALRM, overtime)
    signal.alarm(TOTAL)
    workdir = tempfile.mkdtemp(prefix="signal-browser-test-")
    test = DemoTest(workdir)
    ok = False
    try:
        ok = test.run()
    except BaseException as error:  # noqa: BLE001 - report, clean up, fail
        print(f"FAIL  {type(error).__name__}: {error}")
        print(f"{test.passed} passed, {test.failed + 1} failed")
    finally:
        signal.alarm(0)
        test.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
