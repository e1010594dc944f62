package smtptest

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/textproto"
	"strings"
	"testing"
)

// client is a hand-driven SMTP client for testing the server itself.
type client struct {
	t  *testing.T
	c  net.Conn
	tp *textproto.Conn
}

func dial(t *testing.T, s *Server) *client {
	t.Helper()
	c, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	cl := &client{t: t, c: c, tp: textproto.NewConn(c)}
	cl.expect(220)
	return cl
}

// send writes a line and returns the reply code and text.
func (c *client) send(line string) (int, string) {
	c.t.Helper()
	if err := c.tp.PrintfLine("%s", line); err != nil {
		c.t.Fatal(err)
	}
	code, msg, err := c.tp.ReadResponse(0)
	if err != nil {
		c.t.Fatalf("%s: %v", line, err)
	}
	return code, msg
}

func (c *client) expect(code int) string {
	c.t.Helper()
	got, msg, err := c.tp.ReadResponse(0)
	if err != nil || got != code {
		c.t.Fatalf("reply %d %q (%v), want %d", got, msg, err, code)
	}
	return msg
}

func (c *client) must(line string, code int) string {
	c.t.Helper()
	got, msg := c.send(line)
	if got != code {
		c.t.Fatalf("%s: %d %s, want %d", line, got, msg, code)
	}
	return msg
}

func TestConversation(t *testing.T) {
	s := Start(t, Options{Username: "u", Password: "p"})
	c := dial(t, s)
	c.must("MAIL FROM:<a@example.com>", 503) // before EHLO
	ext := c.must("EHLO client.example", 250)
	for _, want := range []string{"STARTTLS", "AUTH PLAIN LOGIN", "SIZE 10485760"} {
		if !strings.Contains(ext, want) {
			t.Errorf("EHLO reply %q lacks %q", ext, want)
		}
	}
	c.must("MAIL FROM:<a@example.com>", 530) // not authenticated
	c.must("AUTH PLAIN "+base64.StdEncoding.EncodeToString([]byte("\x00u\x00wrong")), 535)
	c.must("AUTH CRAM-MD5", 504)
	// LOGIN, step by step.
	if got := c.must("AUTH LOGIN", 334); got != "VXNlcm5hbWU6" {
		t.Errorf("LOGIN challenge %q", got)
	}
	c.must(base64.StdEncoding.EncodeToString([]byte("u")), 334)
	c.must(base64.StdEncoding.EncodeToString([]byte("p")), 235)
	c.must("AUTH PLAIN", 503) // already
	c.must("RCPT TO:<b@example.com>", 503)
	c.must("MAIL FROM:<>", 250) // the null reverse-path
	c.must("MAIL FROM:<a@example.com>", 503)
	c.must("RSET", 250)
	c.must("mail from: <a@example.com> SIZE=100", 250)
	c.must("RCPT TO:b@example.com", 501)
	c.must("RCPT TO:<>", 501)
	c.must("RCPT TO:<b@example.com>", 250)
	c.must("DATA extra", 501)
	c.must("DATA", 354)
	if _, err := io.WriteString(c.c, "Subject: x\r\n\r\n..dot\r\n..\r\nnot the end\r\n..\r\n.\r\n"); err != nil {
		t.Fatal(err)
	}
	c.expect(250)
	c.must("NOOP", 250)
	c.must("FROB", 500)
	c.must("QUIT", 221)
	msgs := s.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages", len(msgs))
	}
	m := msgs[0]
	if m.From != "a@example.com" || len(m.To) != 1 || m.To[0] != "b@example.com" || m.AuthUser != "u" || m.TLS || m.Helo != "client.example" {
		t.Errorf("recorded %s", m)
	}
	if string(m.Data) != "Subject: x\r\n\r\n.dot\r\n.\r\nnot the end\r\n.\r\n" {
		t.Errorf("data %q", m.Data)
	}
}

func TestStartTLSAndStrictness(t *testing.T) {
	s := Start(t, Options{})
	c := dial(t, s)
	c.must("EHLO client.example", 250)
	c.must("MAIL FROM:<a@example.com>", 250)
	c.must("RCPT TO:<b@example.com>", 250)
	c.must("DATA", 354)
	// A bare LF inside the data is refused, and the conversation goes on.
	if _, err := io.WriteString(c.c, "Subject: x\r\n\r\nbare\nLF\r\n.\r\n"); err != nil {
		t.Fatal(err)
	}
	c.expect(554)
	c.must("STARTTLS", 220)
	tc := tls.Client(c.c, &tls.Config{RootCAs: s.CertPool(), ServerName: "127.0.0.1"})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	c.tp = textproto.NewConn(tc)
	c.must("MAIL FROM:<a@example.com>", 503) // state was reset by STARTTLS
	if ext := c.must("EHLO client.example", 250); strings.Contains(ext, "STARTTLS") {
		t.Errorf("STARTTLS offered again: %q", ext)
	}
	c.must("STARTTLS", 502)
	if len(s.Messages()) != 0 {
		t.Errorf("kept a refused message")
	}

	// Commands pipelined behind STARTTLS are refused.
	c2 := dial(t, s)
	c2.must("EHLO client.example", 250)
	if _, err := io.WriteString(c2.c, "STARTTLS\r\nMAIL FROM:<a@example.com>\r\n"); err != nil {
		t.Fatal(err)
	}
	c2.expect(554)
}

// TestImplicitTLS checks the port-465 style listener.
func TestImplicitTLS(t *testing.T) {
	s := Start(t, Options{ImplicitTLS: true})
	conn, err := tls.Dial("tcp", s.Addr(), &tls.Config{RootCAs: s.CertPool()})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "220 ") {
		t.Fatalf("greeting %q, %v", line, err)
	}
}

func TestParseCommand(t *testing.T) {
	for line, want := range map[string]command{
		"ehlo x":                  {"EHLO", "x"},
		"QUIT":                    {"QUIT", ""},
		"MAIL FROM:<a@b> SIZE=10": {"MAIL", "FROM:<a@b> SIZE=10"},
		"AUTH PLAIN AGEAYg==":     {"AUTH", "PLAIN AGEAYg=="},
	} {
		got, err := parseCommand(line)
		if err != nil || got != want {
			t.Errorf("parseCommand(%q) = %+v, %v; want %+v", line, got, err, want)
		}
	}
	for _, bad := range []string{"", " EHLO", "EH1O x", "EHLO\x00", "MAIL FROM:<a@b>\r", "ÄHLO"} {
		if _, err := parseCommand(bad); err == nil {
			t.Errorf("parseCommand(%q) accepted", bad)
		}
	}
	for arg, want := range map[string]string{"FROM:<a@b>": "a@b", "from: <a@b.c> BODY=8BITMIME": "a@b.c", "FROM:<>": ""} {
		if got, _, err := parsePath(arg, "FROM:", true); err != nil || got != want {
			t.Errorf("parsePath(%q) = %q, %v", arg, got, err)
		}
	}
	for _, bad := range []string{"FROM:a@b", "FROM:<a@b", "FROM:<a b@c>", "FROM:<@x:a@b>", "FROM:<a@b>junk", "TO:<a@b>", "FROM:<ab>"} {
		if _, _, err := parsePath(bad, "FROM:", true); err == nil {
			t.Errorf("parsePath(%q) accepted", bad)
		}
	}
}

// FuzzParseCommand: no line panics the parser; a parsed verb is upper-case
// letters and re-joining verb and argument gives the line back (modulo
// the verb's case).
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{"EHLO x", "MAIL FROM:<a@b> SIZE=1", "RCPT TO:<>", "AUTH PLAIN =", "", " ", "\x00", "QUIT"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cmd, err := parseCommand(line)
		if err != nil {
			return
		}
		if cmd.Verb != strings.ToUpper(cmd.Verb) || cmd.Verb == "" {
			t.Fatalf("verb %q", cmd.Verb)
		}
		joined := cmd.Verb
		if strings.Contains(line, " ") {
			joined += " " + cmd.Arg
		}
		if !strings.EqualFold(joined, line) || !strings.HasSuffix(line, cmd.Arg) {
			t.Fatalf("%q parsed as %+v", line, cmd)
		}
		for _, prefix := range []string{"FROM:", "TO:"} {
			addr, _, err := parsePath(cmd.Arg, prefix, true)
			if err == nil && strings.ContainsAny(addr, "<> \r\n") {
				t.Fatalf("%q: address %q", cmd.Arg, addr)
			}
		}
	})
}

// dotStuff is the client side of RFC 5321 4.5.2, written independently of
// net/textproto: CRLF line ends, a dot doubled at the start of a line, the
// end marker.
func dotStuff(msg []byte) []byte {
	var b bytes.Buffer
	for _, line := range bytes.SplitAfter(msg, []byte("\r\n")) {
		if len(line) == 0 {
			continue
		}
		if line[0] == '.' {
			b.WriteByte('.')
		}
		b.Write(line)
	}
	if msg := b.Bytes(); len(msg) > 0 && !bytes.HasSuffix(msg, []byte("\r\n")) {
		b.WriteString("\r\n")
	}
	b.WriteString(".\r\n")
	return b.Bytes()
}

// FuzzReadData: dot-stuffed data (by textproto's DotWriter, what the relay
// uses, and by dotStuff) reads back as sent; any input either reads or
// fails cleanly, never consuming past the end marker.
func FuzzReadData(f *testing.F) {
	for _, s := range []string{"", "a\r\n", ".\r\n", "..\r\n.x\r\n", "a\nb", "\r", ".", "x\r\n.\r\ny"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		// Arbitrary input: no panic; the reader stops at the marker.
		r := bufio.NewReader(bytes.NewReader(append(append([]byte(nil), msg...), "\r\n.\r\nNEXT"...)))
		if _, err := readData(r, 1<<20); err != nil && !errors.Is(err, errBareLF) && !errors.Is(err, errTooBig) && !errors.Is(err, io.EOF) {
			t.Fatalf("readData: %v", err)
		}

		// Well-formed messages (CRLF only) round-trip. (DotWriter sends
		// an empty message as one empty line.)
		if len(msg) == 0 || bytes.Count(msg, []byte("\r")) != bytes.Count(msg, []byte("\r\n")) || bytes.Count(msg, []byte("\n")) != bytes.Count(msg, []byte("\r\n")) {
			return
		}
		want := msg
		if len(want) > 0 && !bytes.HasSuffix(want, []byte("\r\n")) {
			want = append(append([]byte(nil), want...), "\r\n"...)
		}
		for _, line := range bytes.Split(want, []byte("\r\n")) {
			if len(line)+2 > maxTextLine {
				return
			}
		}
		var viaTextproto bytes.Buffer
		w := textproto.NewWriter(bufio.NewWriter(&viaTextproto)).DotWriter()
		_, _ = w.Write(msg)
		_ = w.Close()
		for name, wire := range map[string][]byte{"textproto": viaTextproto.Bytes(), "dotStuff": dotStuff(msg)} {
			r := bufio.NewReader(bytes.NewReader(append(wire, "NEXT"...)))
			got, err := readData(r, 1<<20)
			if err != nil {
				t.Fatalf("%s: readData(%q): %v", name, wire, err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("%s: %q came back as %q", name, want, got)
			}
			if rest, _ := io.ReadAll(r); string(rest) != "NEXT" {
				t.Fatalf("%s: read past the end marker, left %q", name, rest)
			}
		}
	})
}

func TestDecodeRefuses(t *testing.T) {
	good := "From: a@example.com\r\nTo: b@example.com\r\nSubject: s\r\nDate: Wed, 01 May 2024 10:00:00 +0900\r\n" +
		"Message-ID: <x@example.com>\r\nMIME-Version: 1.0\r\n"
	for name, raw := range map[string]string{
		"latin-1":  good + "Content-Type: text/plain; charset=ISO-8859-1\r\n\r\nx\r\n",
		"bad b64":  good + "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!\r\n",
		"no date":  strings.Replace(good, "Date: Wed, 01 May 2024 10:00:00 +0900\r\n", "", 1) + "Content-Type: text/plain; charset=UTF-8\r\n\r\nx\r\n",
		"bad utf8": good + "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n\xff\r\n",
	} {
		if _, err := Decode([]byte(raw)); err == nil {
			t.Errorf("%s: decoded", name)
		}
	}
	d, err := Decode([]byte(good + "Content-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=E3=81=82=\r\n b\r\n"))
	if err != nil || d.Text != "あ b\n" {
		t.Errorf("quoted-printable: %q, %v", d.Text, err)
	}
}
