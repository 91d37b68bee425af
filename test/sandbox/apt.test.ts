import { debootstrapMirror, mirrorHosts, parseDeb822, parseOneLine, renderNodeSources } from "../../sandbox/apt";

// Mirror names here are placeholders: real ones are read from the host at runtime.
const DEB822 = `Types: deb
# a comment
URIs: http://mirror.example.test/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://security.example.test/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://thirdparty.example.test/apt
Suites: bookworm
Components: main
Signed-By: /etc/apt/keyrings/vendor.gpg

Types: deb
URIs: http://disabled.example.test/debian
Suites: bookworm
Components: main
Enabled: no
`;

describe("host apt sources", () => {
  it("parses deb822 and keeps Debian entries only", () => {
    const entries = parseDeb822(DEB822);
    expect(entries).toHaveLength(3);
    expect(debootstrapMirror(entries)).toBe("http://mirror.example.test/debian");
    expect(mirrorHosts(entries)).toEqual(["mirror.example.test", "security.example.test"]);
    const out = renderNodeSources(entries);
    expect(out).toContain("URIs: http://mirror.example.test/debian\nSuites: bookworm bookworm-updates\nComponents: main");
    expect(out).toContain("Suites: bookworm-security");
    expect(out).not.toContain("thirdparty");
    expect(out).not.toContain("disabled");
  });

  it("parses one-line sources.list", () => {
    const entries = parseOneLine(
      "# comment\ndeb http://mirror.example.test/debian bookworm main contrib\ndeb-src http://mirror.example.test/debian bookworm main\ndeb [signed-by=/etc/apt/keyrings/x.gpg] http://other.example.test/x bookworm main\n",
    );
    expect(entries).toHaveLength(3);
    expect(debootstrapMirror(entries)).toBe("http://mirror.example.test/debian");
    expect(mirrorHosts(entries)).toEqual(["mirror.example.test"]);
  });

  it("explains when no Debian mirror is configured", () => {
    expect(() => debootstrapMirror([])).toThrow(/no Debian "bookworm" entry/);
  });
});
