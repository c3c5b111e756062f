"""Each rule's page: why it matters, how to fix it, and the documentation it rests on.

:func:`deploycheck.registry.declare` reads this table, so every registered id carries the three
fields (a test fails for an id without them, or an entry without an id); ``docs/rules.md``
prints them in the rule's section and SARIF's ``help`` carries the fix. The sources are
Docker's, Render's, GitHub's or a peer tool's own documentation; a rule that follows a peer's
rule (hadolint's, yamllint's) names that page.
"""

from __future__ import annotations

from typing import NamedTuple


class Page(NamedTuple):
    why: str
    fix: str
    source: str


RENDER_SPEC = "https://render.com/docs/blueprint-spec"
RENDER_IAC = "https://render.com/docs/infrastructure-as-code"
RENDER_SCALING = "https://render.com/docs/scaling"
RENDER_HEALTH = "https://render.com/docs/health-checks"
RENDER_DEPLOYS = "https://render.com/docs/deploys"
RENDER_DISKS = "https://render.com/docs/disks"
RENDER_SCHEMA = "https://render.com/schema/render.yaml.json"
DOCKER_PRACTICES = "https://docs.docker.com/build/building/best-practices/"
DOCKER_CONTEXT = "https://docs.docker.com/build/building/context/#dockerignore-files"
DOCKER_BUILD_MOUNTS = "https://docs.docker.com/build/building/secrets/"
DOCKER_ARG_ENV_CHECK = "https://docs.docker.com/reference/build-checks/secrets-used-in-arg-or-env/"
HADOLINT = "https://github.com/hadolint/hadolint"
HADOLINT_WIKI = "https://github.com/hadolint/hadolint/wiki/"
YAMLLINT = "https://yamllint.readthedocs.io/en/stable/rules.html"
CHECK_JSONSCHEMA = "https://github.com/python-jsonschema/check-jsonschema"
GITHUB_SECURE_USE = "https://docs.github.com/en/actions/reference/secure-use-reference"
GITHUB_CONCURRENCY = "https://docs.github.com/en/actions/using-jobs/using-concurrency"
YELP_DETECTOR = "https://github.com/Yelp/detect-secrets"
DEPTRY = "https://pypi.org/project/deptry/"
OWASP = "https://github.com/OWASP/CheatSheetSeries"

_YAML = "Render reads render.yaml with a YAML parser"
_RENDER_SECRET = "keep the value in Render's dashboard: `sync: false` or `generateValue: true`"

PAGES: dict[str, Page] = {
    # YAML loading
    "YML001": Page(f"{_YAML}: a syntax error rejects the whole Blueprint.",
                   "Fix the syntax at the line named; a YAML-aware editor shows it.", YAMLLINT),
    "YML002": Page("A repeated key silently replaces the first: the setting you read is not the "
                   "one deployed.", "Keep one of the two keys and delete the other.", YAMLLINT),
    "YML003": Page("YAML forbids tabs for indentation; parsers reject or misread the file.",
                   "Indent with spaces (two per level).", YAMLLINT),
    "YML004": Page("A Blueprint, a workflow and a config are mappings; anything else has no "
                   "services to deploy.", "Start the file with top-level keys such as "
                   "`services:`.", RENDER_SPEC),
    "YML005": Page("Tools read the file as UTF-8 text; other encodings and huge files break "
                   "parsers or hide content.", "Save the file as UTF-8 without a BOM and keep "
                   "it small.", YAMLLINT),
    "YML006": Page("Control characters are invisible in review and change what a value means.",
                   "Delete the control character (an editor that shows invisibles finds it).",
                   YAMLLINT),
    "YML007": Page("A list or mapping as a key is legal YAML no config reader expects.",
                   "Use a plain string key.", YAMLLINT),
    "YML008": Page("Deep nesting and alias expansion ('billion laughs') exhaust memory.",
                   "Flatten the structure; expand the aliases by hand.", YAMLLINT),
    # JSON Schema
    "SCH001": Page("A misspelt field is ignored by Render: the setting you wrote never applies.",
                   "Use the field names and values of Render's Blueprint reference.",
                   RENDER_SPEC),
    "SCH002": Page("Render's own schema is the final word on what it accepts.",
                   "Fix the field the message names, as Render's schema describes it.",
                   RENDER_SCHEMA),
    "SCH003": Page("Compose, workflow and Dependabot files with schema errors fail where they "
                   "run, after the merge.", "Fix the key the message names.", CHECK_JSONSCHEMA),
    # Render Blueprint
    "RB001": Page("A Blueprint for a web app without a web service deploys nothing that answers "
                  "HTTP.", "Add a `type: web` service.", RENDER_SPEC),
    "RB002": Page("One instance is a single point of failure and cannot absorb load.",
                  "Set `scaling: {minInstances: N}` at the configured minimum.", RENDER_SCALING),
    "RB003": Page("Autoscaling without a cap can multiply the bill under load or attack.",
                  "Set `scaling.maxInstances` at or under the configured maximum.",
                  RENDER_SCALING),
    "RB004": Page("Render rejects a Blueprint whose minimum exceeds its maximum.",
                  "Make `minInstances` at most `maxInstances`.", RENDER_SCALING),
    "RB005": Page("The memory target decides when instances are added; the wrong one scales too "
                  "late or too early.", "Set `scaling.targetMemoryPercent` to the configured "
                  "value.", RENDER_SCALING),
    "RB006": Page("The CPU target decides when instances are added.",
                  "Set `scaling.targetCPUPercent` to the configured value.", RENDER_SCALING),
    "RB007": Page("The plan sets CPU, memory and price per instance; a different plan changes "
                  "capacity and cost.", "Set `plan:` to the configured plan.", RENDER_SPEC),
    "RB008": Page("Without a health check path Render routes to an instance as soon as its port "
                  "opens, before the app can answer.", "Set `healthCheckPath:` to a route that "
                  "answers 2xx when the app is ready.", RENDER_HEALTH),
    "RB009": Page("The deploy trigger decides whether a push ships before CI passes.",
                  "Set `autoDeployTrigger:` to the configured value (e.g. `checksPass`).",
                  RENDER_DEPLOYS),
    "RB010": Page("A secret written in render.yaml is in git history for everyone with read "
                  "access.", f"Remove the value; {_RENDER_SECRET}.", RENDER_SPEC),
    "RB011": Page("A literal credential in the Blueprint leaks with the repository.",
                  f"Replace it with `fromDatabase`/`fromService`, or {_RENDER_SECRET}.",
                  RENDER_SPEC),
    "RB012": Page("A variable the app requires but the Blueprint omits stops it at start-up.",
                  "Declare the variable under the service's `envVars:`.", RENDER_SPEC),
    "RB013": Page("A secret must come from Render (generated or set in the dashboard), a URL "
                  "from the database it names.", "Use the source the config names "
                  "(`generateValue`, `sync: false`, `fromDatabase`...).", RENDER_SPEC),
    "RB014": Page("A session cookie sent over plain HTTP can be stolen on the network.",
                  "Set the variable to the literal string \"true\".", OWASP),
    "RB015": Page("A wildcard CORS origin lets any site call the API from a user's browser.",
                  "List the exact https origins that may call the API.", OWASP),
    "RB016": Page("A reference to an undeclared resource leaves the variable empty at run time.",
                  "Declare the database, service or group, or fix the name.", RENDER_SPEC),
    "RB017": Page("A cache that cannot evict fails writes when memory fills.",
                  "Set `maxmemoryPolicy:` to the configured policy (`allkeys-lru` for a "
                  "cache).", RENDER_SPEC),
    "RB018": Page("A database reachable from the whole internet is one leaked password away "
                  "from a breach.", "Set `ipAllowList: []` (private network only) or list "
                  "private ranges.", RENDER_SPEC),
    "RB019": Page("Tests that run on another major version prove nothing about production.",
                  "Set `postgresMajorVersion:` to the version the tests use.", RENDER_SPEC),
    "RB020": Page("Render cannot scale a service with a disk: a second instance never starts.",
                  "Remove the disk or scale to one instance.", RENDER_DISKS),
    "RB021": Page("`env:` is the deprecated spelling; newer fields are documented only with "
                  "`runtime:`.", "Rename `env:` to `runtime:`.", RENDER_SPEC),
    "RB022": Page("Render ignores `sync: false` in an environment group: the variable is never "
                  "prompted for.", "Move the variable to the service, or give it a value in "
                  "the dashboard.", RENDER_SPEC),
    "RB023": Page("A key with spaces or odd characters cannot be read as an environment "
                  "variable.", "Use letters, digits and underscores, not starting with a "
                  "digit.", RENDER_SPEC),
    "RB024": Page("A wildcard origin in any service's CORS list lets any site call it with the "
                  "user's browser.", "List exact origins.", OWASP),
    # cross-file
    "XF001": Page("Render fails the build when `dockerfilePath` or `dockerContext` does not "
                  "exist.", "Point them at the real files, relative to the repo root "
                  "(or rootDir).", RENDER_SPEC),
    "XF002": Page("A health check on a route the app does not serve fails every deploy.",
                  "Serve the path, or point `healthCheckPath` at a route that exists.",
                  RENDER_HEALTH),
    "XF003": Page("Two health checks on different paths disagree about when the app is ready.",
                  "Probe the same path in the HEALTHCHECK and `healthCheckPath`.", RENDER_HEALTH),
    "XF004": Page("A variable the app needs but nothing sets stops it at start-up in "
                  "production.", "Declare it in the Blueprint or set it with ENV.", RENDER_SPEC),
    "XF005": Page("A declared variable no code reads is dead or misspelt.",
                  "Remove it, or fix its name to the one the app reads.", RENDER_SPEC),
    "XF006": Page("A disk mounted where the non-root user cannot write fails at the first "
                  "write.", "Create the mount path in the Dockerfile and chown it to the USER.",
                  RENDER_DISKS),
    "XF007": Page("A pre-deploy command the image lacks fails every deploy.",
                  "Install the program (a requirement's script) or ship the file it runs.",
                  RENDER_DEPLOYS),
    # Dockerfile
    "DF001": Page("An untagged or `latest` base changes under you: builds stop being "
                  "reproducible.", "Pin a version tag or a digest.", HADOLINT_WIKI + "DL3007"),
    "DF002": Page("The base image family decides the OS, libc and patches the tests ran on.",
                  "Build the final stage FROM the configured base.", DOCKER_PRACTICES),
    "DF003": Page("Copying code before installing dependencies reinstalls them on every code "
                  "change.", "COPY the manifest, install, then COPY the code.", DOCKER_PRACTICES),
    "DF004": Page("A network server running as root turns any code-execution bug into root in "
                  "the container.", "Add a USER with a non-root uid (or drop privileges in "
                  "the entrypoint).", HADOLINT_WIKI + "DL3002"),
    "DF005": Page("Without a HEALTHCHECK, Docker reports a hung app as running.",
                  "Add `HEALTHCHECK CMD` probing the app.",
                  "https://docs.docker.com/reference/dockerfile/#healthcheck"),
    "DF006": Page("A health check without a start period marks a booting app unhealthy.",
                  "Add `--start-period=` long enough for boot and migrations.",
                  "https://docs.docker.com/reference/dockerfile/#healthcheck"),
    "DF007": Page("Shell form runs the app under /bin/sh, which does not forward SIGTERM: "
                  "graceful shutdown is lost.", "Write CMD/ENTRYPOINT as a JSON list.",
                  HADOLINT_WIKI + "DL3025"),
    "DF008": Page("EXPOSE documents the port tools and platforms should route to.",
                  "EXPOSE the port the server binds.", DOCKER_PRACTICES),
    "DF009": Page("A `# syntax=` line makes the build pull a frontend image from a registry.",
                  "Remove the directive where no registry is reachable.", DOCKER_PRACTICES),
    "DF010": Page("ENV and ARG values persist in the image config and history.",
                  "Pass secrets at run time or through build secret mounts.",
                  DOCKER_ARG_ENV_CHECK),
    "DF011": Page("ADD from a URL fetches unverified content at build time.",
                  "Download with a pinned checksum (`ADD --checksum=`) or use a package.",
                  HADOLINT_WIKI + "DL3020"),
    "DF012": Page("ADD also unpacks archives and fetches URLs; COPY says what it does.",
                  "Use COPY for local files.", HADOLINT_WIKI + "DL3020"),
    "DF013": Page("A `latest` anywhere makes the build depend on the day it ran.",
                  "Pin the version.", DOCKER_PRACTICES),
    "DF014": Page("pip's download cache bloats the layer and ships nothing useful.",
                  "Add `--no-cache-dir`, or a cache mount.", HADOLINT_WIKI + "DL3042"),
    "DF015": Page("A Dockerfile that is not UTF-8 reads differently in each tool.",
                  "Save it as UTF-8.", DOCKER_PRACTICES),
    "DF016": Page("A build argument for a secret ends up in the image history.",
                  "Use a build secret mount instead of ARG.", DOCKER_ARG_ENV_CHECK),
    "DF017": Page("An unknown instruction stops `docker build` at that line.",
                  "Fix the instruction's spelling.",
                  "https://docs.docker.com/reference/dockerfile/"),
    "DF018": Page("Copying a mounted secret into a file puts it back into the layer the mount "
                  "kept it out of.", "Read the secret from /run/secrets in the same RUN and "
                  "never write it to disk.", DOCKER_BUILD_MOUNTS),
    "DF019": Page("Piping a download into a shell runs whatever the server sends, unverified.",
                  "Download, verify a checksum or signature, then run.", DOCKER_PRACTICES),
    # .dockerignore and context
    "DI001": Page("Without .dockerignore every file (.git, .env, caches) is sent to the "
                  "builder.", "Add a .dockerignore listing what no image needs.",
                  DOCKER_CONTEXT),
    "DI002": Page("Secrets and VCS data in the context can be copied into a layer by `COPY .`.",
                  "Exclude them in .dockerignore.", DOCKER_CONTEXT),
    "DI003": Page("COPY of a file the context lacks (or ignores) fails the build.",
                  "Add the file, or stop ignoring it in .dockerignore.", DOCKER_CONTEXT),
    # hadolint
    "HL001": Page("An unexplained ignore hides a finding nobody can judge later.",
                  "Add a comment saying why, on the line or above.", HADOLINT),
    "HL002": Page("hadolint's rules encode Docker's best practices.",
                  "Fix the finding per its DL/SC page, or ignore it with a reason.", HADOLINT),
    "HL003": Page("A linter that times out checked nothing.",
                  "Simplify the Dockerfile or raise the timeout option.", HADOLINT),
    "HL004": Page("When hadolint cannot parse the file, none of its rules ran.",
                  "Fix the syntax hadolint names.", HADOLINT),
    # requirements
    "RQ001": Page("Development tools in the image add size and attack surface, and some "
                  "(debug toolbars) expose internals.", "Move them to requirements-dev.txt.",
                  DOCKER_PRACTICES),
    "RQ002": Page("A requirement nothing imports is dead weight in every image.",
                  "Remove it, or import it where it is used.", DEPTRY),
    # workflows
    "WF001": Page("A tag can be moved to malicious code; a commit SHA cannot.",
                  "Pin `uses:` to the full 40-hex SHA, the tag in a comment.",
                  GITHUB_SECURE_USE),
    "WF002": Page("A write token lets a compromised step push code or publish releases.",
                  "Set `permissions: {contents: read}` at the top; grant writes per job only "
                  "where needed.", GITHUB_SECURE_USE),
    "WF003": Page("Superseded runs waste runners and can race each other.",
                  "Add a top-level `concurrency:` group with `cancel-in-progress: true`.",
                  GITHUB_CONCURRENCY),
    "WF004": Page("A CI env the workflow skips never gates a pull request.",
                  "Run every tox env of `.ci/run` in the workflow.", GITHUB_SECURE_USE),
    # image
    "IMG001": Page("Image size drives pull time on every deploy and scale-out.",
                   "Use a slim base, multi-stage builds and no caches.", DOCKER_PRACTICES),
    "IMG002": Page("A root container makes any exploit root inside it.",
                   "Set a non-root USER.", HADOLINT_WIKI + "DL3002"),
    "IMG003": Page("The image's HEALTHCHECK is what Docker and compose rely on.",
                   "Add a HEALTHCHECK probing the path, with a start period.",
                   "https://docs.docker.com/reference/dockerfile/#healthcheck"),
    "IMG004": Page("Caches and build tools add size and attack surface to every instance.",
                   "Clean them in the same RUN, or build in a separate stage.",
                   DOCKER_PRACTICES),
    "IMG005": Page("Secret-looking and development files in the image leak with it.",
                   "Exclude them in .dockerignore and COPY only what runs.", DOCKER_CONTEXT),
    "IMG006": Page("A runtime user that can rewrite the code lets an exploit persist.",
                   "Keep the code root-owned; give the user only its log or data folder.",
                   DOCKER_PRACTICES),
    "IMG007": Page("Env and history are readable by anyone who pulls the image.",
                   "Pass secrets at run time.", DOCKER_ARG_ENV_CHECK),
    "IMG008": Page("A code-only change that reinstalls dependencies makes every build slow.",
                   "Install from the manifest before copying the code.", DOCKER_PRACTICES),
    "IMG009": Page("A file deleted in a later layer is still in the earlier one.",
                   "Never write the secret into a layer; use a build secret mount.",
                   DOCKER_BUILD_MOUNTS),
    # probes
    "PRB001": Page("A session cookie without Secure/HttpOnly/SameSite can be stolen or "
                   "replayed cross-site.", "Set the three attributes on the session cookie.",
                   OWASP),
    "PRB002": Page("The allowed origin must work, or the check below proves nothing.",
                   "Configure the allowed origin in the app's CORS settings.", OWASP),
    "PRB003": Page("Echoing any origin lets every site read the API in a user's browser.",
                   "Allow only the configured origins.", OWASP),
    "PRB004": Page("A form that accepts a post without a token is open to CSRF.",
                   "Enable CSRF protection for every form.", OWASP),
    "PRB005": Page("If the tokened post also fails, the 400 above is not about CSRF.",
                   "Render the token into the form and accept it.", OWASP),
    "PRB006": Page("A rate limit that is off or wrong does not stop abuse.",
                   "Configure the limiter and its storage (shared across instances).", OWASP),
    "PRB007": Page("A secret in the logs is readable by everyone with log access.",
                   "Redact secrets before they are logged.", OWASP),
    "PRB008": Page("A token stored in plain text leaks with any database dump.",
                   "Store only a hash or an encrypted token.", OWASP),
    "PRB009": Page("Data that decrypts with a wrong key is not encrypted.",
                   "Encrypt with an authenticated cipher (e.g. Fernet).", OWASP),
    "PRB010": Page("Proves the encryption round-trips, so the check above is meaningful.",
                   "Encrypt with the configured key.", OWASP),
    "PRB011": Page("Records readable without a token are public.",
                   "Require a bearer token on every API route.", OWASP),
    "PRB012": Page("Pages readable without a session are public.",
                   "Redirect anonymous requests to sign-in.", OWASP),
    "PRB013": Page("If a valid token is refused too, the 401 above is not about auth.",
                   "Accept valid tokens.", OWASP),
    "PRB016": Page("A record another user's token can read is shared with every user.",
                   "Scope every lookup to the requesting user's rows; answer others 404.", OWASP),
    "PRB017": Page("If its owner is refused too, the 404 above is not about ownership.",
                   "Serve owners their records.", OWASP),
    "PRB014": Page("Security headers stop framing, sniffing and downgrade attacks.",
                   "Send them on every response (e.g. with Flask-Talisman).", OWASP),
    "PRB015": Page("A version in `Server` tells attackers which exploits to try.",
                   "Drop the version from the Server header.", OWASP),
    # secrets
    "SEC001": Page("A secret committed to git stays in history after it is deleted.",
                   "Remove and rotate it; list true false positives in the baseline.",
                   YELP_DETECTOR),
    "SEC002": Page("A tracked .env file publishes its secrets with the repository.",
                   "`git rm --cached` it, add it to .gitignore and rotate its values.",
                   YELP_DETECTOR),
    # checklist
    "CHK001": Page("An unverified checklist item is a promise without evidence.",
                   "Add a test marked `checklist(N)` that proves the item.", OWASP),
    # suppressions
    "SUP001": Page("An unexplained suppression hides a finding nobody can judge later.",
                   "Add the reason after `--`.", HADOLINT),
    "SUP002": Page("A suppression that silences nothing is stale and hides future findings.",
                   "Delete it.", HADOLINT),
}  # fmt: skip
