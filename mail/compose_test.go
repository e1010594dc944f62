package mail

import (
	"bytes"
	"errors"
	"mime"
	netmail "net/mail"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stewardhq/steward/mail/smtptest"
)

var when = time.Date(2024, 5, 1, 10, 0, 0, 0, time.FixedZone("JST", 9*3600))

// readSubject parses a rendered Subject header the way a mail client does
// (unfolding, then RFC 2047 decoding).
func readSubject(t testing.TB, header []byte) string {
	t.Helper()
	m, err := netmail.ReadMessage(bytes.NewReader(append(header, "\r\n"...)))
	if err != nil {
		t.Fatalf("read %q: %v", header, err)
	}
	s, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatalf("decode %q: %v", header, err)
	}
	return s
}

// checkHeaderLines asserts the folding rules on a rendered header: CRLF
// only as line ends, continuation lines start with a space and are not
// whitespace only, every line within limit, every encoded-word within 75
// characters.
func checkHeaderLines(t testing.TB, header []byte, limit int) {
	t.Helper()
	if !bytes.HasSuffix(header, []byte("\r\n")) {
		t.Fatalf("header %q does not end in CRLF", header)
	}
	lines := strings.Split(string(header[:len(header)-2]), "\r\n")
	for i, l := range lines {
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("bare CR or LF in %q", l)
		}
		if len(l) > limit {
			t.Fatalf("line %d of %q is %d long", i, header, len(l))
		}
		if i > 0 && (!strings.HasPrefix(l, " ") || strings.TrimSpace(l) == "") {
			t.Fatalf("bad continuation line %q", l)
		}
		for _, w := range strings.Fields(l) {
			if strings.HasPrefix(w, "=?") && len(w) > 75 {
				t.Fatalf("encoded-word %q is %d long", w, len(w))
			}
		}
	}
}

func renderSubject(s string) []byte {
	var b bytes.Buffer
	writeHeader(&b, "Subject", subjectTokens(strings.ToValidUTF8(s, "\uFFFD")))
	return b.Bytes()
}

func TestSubjectEncoding(t *testing.T) {
	for _, tc := range []struct {
		subject string
		plain   bool // sent as is, not as encoded-words
	}{
		{"Disk almost full on web-01", true},
		{"", true},
		{"【障害通知】サーバー監視アラート", false},
		{strings.Repeat("【障害通知】サーバー監視アラート ", 8), false},
		{strings.Repeat("𝄞😀", 40), false}, // 4-byte characters across word boundaries
		{"é" + strings.Repeat("a", 38) + "é", false},
		{"looks like =?UTF-8?B?eA==?= an encoded word", false},
		{" leading and trailing space ", false},
		{"two  spaces", false},
		{"line\r\nBcc: evil@example.com", false},
		{strings.Repeat("x", 200), false}, // a word too long to fold
		{strings.Repeat("word ", 60) + "end", true},
	} {
		h := renderSubject(tc.subject)
		checkHeaderLines(t, h, maxHeaderLine)
		if got := readSubject(t, h); got != tc.subject {
			t.Errorf("subject %q came back as %q (header %q)", tc.subject, got, h)
		}
		if plain := !bytes.Contains(h, []byte("=?UTF-8?B?")); plain != tc.plain {
			t.Errorf("subject %q: plain = %v, want %v (header %q)", tc.subject, plain, tc.plain, h)
		}
		if bytes.Contains(h, []byte("\r\nBcc")) {
			t.Errorf("header injection: %q", h)
		}
	}
}

// FuzzSubject: any string renders as a header within the folding rules
// that a client decodes back to the same text (invalid UTF-8 replaced).
func FuzzSubject(f *testing.F) {
	for _, s := range []string{"", "hello world", "【障害通知】サーバー監視アラート", "a\r\nb", "=?x?=", "  ", "\xff\xfe", strings.Repeat("é", 100)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > MaxSubjectBytes {
			return
		}
		h := renderSubject(s)
		checkHeaderLines(t, h, maxHeaderLine)
		if got, want := readSubject(t, h), strings.ToValidUTF8(s, "\uFFFD"); got != want {
			t.Fatalf("subject %q came back as %q (header %q)", want, got, h)
		}
	})
}

func TestEncodedWordsNeverSplitACharacter(t *testing.T) {
	s := strings.Repeat("あ", 13) + "😀" + strings.Repeat("い", 20) // 39 bytes, then a 4-byte rune across the limit
	for _, w := range encodedWords(s) {
		payload := strings.TrimSuffix(strings.TrimPrefix(w, "=?UTF-8?B?"), "?=")
		dec, err := new(mime.WordDecoder).Decode("=?UTF-8?B?" + payload + "?=")
		if err != nil || !utf8.ValidString(dec) || len(dec) > wordBytes {
			t.Fatalf("word %q decodes to %q (%v)", w, dec, err)
		}
	}
}

// FuzzCompose: every message compose accepts comes back intact through
// the standard library's decoders, in 7-bit lines of at most 76 characters
// (998 for an ASCII display name with runs of spaces, which cannot fold).
func FuzzCompose(f *testing.F) {
	f.Add("Steward 監視", "【障害通知】サーバー監視アラート", "サーバー web-01 が応答しません。\n確認してください。\n")
	f.Add("", "hi", ".\n..\n.hidden\nend")
	f.Add("Ops, \"Team\"", "x", "a\r\nb\rc\n\n")
	f.Add("=?UTF-8?B?5bGx55Sw?=", "", "")
	f.Fuzz(func(t *testing.T, name, subject, text string) {
		from := "alerts@example.com"
		if name != "" {
			from = (&netmail.Address{Name: name, Address: from}).String()
		}
		c, err := compose(Message{From: from, To: []string{"ops@example.jp"}, Subject: subject, Text: text}, "", when)
		if errors.Is(err, ErrInvalidMessage) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		d, err := smtptest.Decode(c.raw)
		if err != nil {
			t.Fatalf("decode: %v\n%s", err, c.raw)
		}
		if d.EightBit {
			t.Fatalf("8-bit bytes in\n%s", c.raw)
		}
		limit := maxHeaderLine
		if strings.Contains(name, "  ") {
			limit = 998
		}
		if d.LongestLine > limit {
			t.Fatalf("a line of %d characters in\n%s", d.LongestLine, c.raw)
		}
		if d.Subject != c.subject || c.subject != strings.ToValidUTF8(subject, "\uFFFD") {
			t.Fatalf("subject %q came back as %q", c.subject, d.Subject)
		}
		if d.Text != c.text {
			t.Fatalf("body %q came back as %q", c.text, d.Text)
		}
		if d.From != c.from || len(d.To) != 1 || d.To[0] != "ops@example.jp" {
			t.Fatalf("From %q To %q came back as %q, %q", c.from, c.to, d.From, d.To)
		}
		if len(d.Header["Subject"]) != 1 || len(d.Header["From"]) != 1 || len(d.Header) != 8 {
			t.Fatalf("headers: %v", d.Header)
		}
	})
}

func TestComposeHeaders(t *testing.T) {
	c, err := compose(Message{To: []string{"ops@example.jp", "山田 太郎 <yamada@example.jp>", "Ops Team <team@example.com>"},
		Subject: "【障害通知】サーバー監視アラート", Text: "一行目\n二行目\n"}, "Steward <steward@example.com>", when)
	if err != nil {
		t.Fatal(err)
	}
	d, err := smtptest.Decode(c.raw)
	if err != nil {
		t.Fatal(err)
	}
	if d.From != "Steward <steward@example.com>" || strings.Join(d.To, "|") != "ops@example.jp|山田 太郎 <yamada@example.jp>|Ops Team <team@example.com>" {
		t.Errorf("From %q To %q", d.From, d.To)
	}
	if !d.Date.Equal(when) || d.MediaType != "text/plain" || d.Charset != "utf-8" || d.TransferEncoding != "base64" {
		t.Errorf("decoded %+v", d)
	}
	if d.MessageID != c.messageID || !strings.HasSuffix(d.MessageID, "@example.com") {
		t.Errorf("Message-ID %q, composed %q", d.MessageID, c.messageID)
	}
	if d.Text != "一行目\n二行目\n" || d.Subject != "【障害通知】サーバー監視アラート" {
		t.Errorf("text %q subject %q", d.Text, d.Subject)
	}
	if c.envFrom != "steward@example.com" || strings.Join(c.envTo, " ") != "ops@example.jp yamada@example.jp team@example.com" {
		t.Errorf("envelope %s → %v", c.envFrom, c.envTo)
	}
	// ASCII bodies travel as readable quoted-printable.
	c, err = compose(Message{From: "a@example.com", To: []string{"b@example.com"}, Subject: "s", Text: "disk /var is 91% full\n" + strings.Repeat("long ", 40)}, "", when)
	if err != nil {
		t.Fatal(err)
	}
	if d, err = smtptest.Decode(c.raw); err != nil || d.TransferEncoding != "quoted-printable" || d.LongestLine > 76 ||
		!bytes.Contains(c.raw, []byte("disk /var is 91% full")) {
		t.Errorf("ASCII body: %v\n%s", err, c.raw)
	}
}

func TestComposeRejects(t *testing.T) {
	for name, m := range map[string]Message{
		"no recipient":       {From: "a@example.com"},
		"no sender":          {To: []string{"b@example.com"}},
		"CRLF in To":         {From: "a@example.com", To: []string{"b@example.com\r\nBcc: c@example.com"}},
		"LF in From name":    {From: "Evil\n <a@example.com>", To: []string{"b@example.com"}},
		"malformed To":       {From: "a@example.com", To: []string{"not an address"}},
		"quoted local part":  {From: "a@example.com", To: []string{`"a b"@example.com`}},
		"non-ASCII address":  {From: "a@example.com", To: []string{"山田@example.jp"}},
		"domain literal":     {From: "a@example.com", To: []string{"b@[127.0.0.1]"}},
		"body too large":     {From: "a@example.com", To: []string{"b@example.com"}, Text: strings.Repeat("x", MaxTextBytes+1)},
		"too many addresses": {From: "a@example.com", To: make([]string, MaxRecipients+1)},
	} {
		_, err := compose(m, "", when)
		if !errors.Is(err, ErrInvalidMessage) || !IsPermanent(err) {
			t.Errorf("%s: %v, want a permanent ErrInvalidMessage", name, err)
		}
	}
}
