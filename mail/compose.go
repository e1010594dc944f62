package mail

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"mime/quotedprintable"
	netmail "net/mail"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits of a Message. A message beyond them is invalid (permanent).
const (
	// MaxTextBytes bounds the body (an SNS message is at most 256 KiB; its
	// email-json form is larger, but not this much).
	MaxTextBytes = 4 << 20
	// MaxRecipients bounds To.
	MaxRecipients = 100
	// MaxSubjectBytes bounds the subject (AWS SNS allows 100 characters).
	MaxSubjectBytes = 1000

	maxAddressBytes = 512 // "Name <addr>" as given
	maxAddrSpec     = 254 // RFC 5321 path limit, minus the brackets
)

// Header line limits: RFC 2047 asks that lines holding encoded-words stay
// within 76 characters; words are at most 75.
const (
	maxHeaderLine = 76
	// wordBytes is the UTF-8 payload of one encoded-word: 39 bytes are 52
	// base64 characters, a 64-character word, so "Subject: " and a word fit
	// one 76-character line.
	wordBytes = 39
	// maxPlainWord bounds a word of a plain ASCII subject: "Subject: " and
	// such a word fit one line. A longer word, which cannot be folded, makes
	// the subject travel as encoded-words.
	maxPlainWord = maxHeaderLine - len("Subject: ") - 1
)

// composed is a message ready for the wire, with what the catcher shows.
type composed struct {
	raw       []byte   // RFC 5322, CRLF line ends, 7-bit ASCII
	envFrom   string   // envelope sender (addr-spec)
	envTo     []string // envelope recipients (addr-specs)
	messageID string   // without the angle brackets
	from      string   // decoded From for display
	to        []string // decoded To for display
	subject   string   // the subject as sent (valid UTF-8)
	text      string   // the body as sent: valid UTF-8, "\n" line ends
}

// compose validates m and renders it. defaultFrom stands in for an empty
// m.From.
func compose(m Message, defaultFrom string, now time.Time) (*composed, error) {
	fromText := m.From
	if fromText == "" {
		fromText = defaultFrom
	}
	if fromText == "" {
		return nil, invalid("no From address")
	}
	from, err := parseAddress(fromText)
	if err != nil {
		return nil, invalid("From: %v", err)
	}
	if len(m.To) == 0 {
		return nil, invalid("no recipients")
	}
	if len(m.To) > MaxRecipients {
		return nil, invalid("%d recipients, more than %d", len(m.To), MaxRecipients)
	}
	to := make([]*netmail.Address, len(m.To))
	for i, s := range m.To {
		if to[i], err = parseAddress(s); err != nil {
			return nil, invalid("To: %v", err)
		}
	}
	if len(m.Subject) > MaxSubjectBytes {
		return nil, invalid("subject of %d bytes, more than %d", len(m.Subject), MaxSubjectBytes)
	}
	if len(m.Text) > MaxTextBytes {
		return nil, invalid("body of %d bytes, more than %d", len(m.Text), MaxTextBytes)
	}
	c := &composed{
		envFrom: from.Address,
		from:    display(from),
		subject: strings.ToValidUTF8(m.Subject, "\uFFFD"),
		text:    normalizeText(m.Text),
	}
	for _, a := range to {
		c.envTo = append(c.envTo, a.Address)
		c.to = append(c.to, display(a))
	}
	c.messageID = newMessageID(from.Address)

	var b bytes.Buffer
	b.Grow(len(c.text)*4/3 + 1024)
	b.WriteString("Date: " + now.Format("Mon, 02 Jan 2006 15:04:05 -0700") + "\r\n")
	writeHeader(&b, "From", addressTokens(from))
	var toks []string
	for i, a := range to {
		t := addressTokens(a)
		if i < len(to)-1 {
			t[len(t)-1] += ","
		}
		toks = append(toks, t...)
	}
	writeHeader(&b, "To", toks)
	writeHeader(&b, "Subject", subjectTokens(c.subject))
	b.WriteString("Message-ID: <" + c.messageID + ">\r\n")
	b.WriteString("MIME-Version: 1.0\r\n")
	b.WriteString("Content-Type: text/plain; charset=UTF-8\r\n")
	cte, body := encodeBody(c.text)
	b.WriteString("Content-Transfer-Encoding: " + cte + "\r\n\r\n")
	b.Write(body)
	c.raw = b.Bytes()
	return c, nil
}

// parseAddress reads "addr" or "Name <addr>". Control characters (CR and LF
// above all: header injection) are refused before parsing; the addr-spec
// must be plain ASCII that needs no quoting in an SMTP path.
func parseAddress(s string) (*netmail.Address, error) {
	if len(s) > maxAddressBytes {
		return nil, errorString("address longer than 512 bytes")
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == 0x7f {
			return nil, errorString("control character in address " + strconv.Quote(s))
		}
	}
	if !utf8.ValidString(s) {
		return nil, errorString("address is not valid UTF-8")
	}
	a, err := netmail.ParseAddress(s)
	if err != nil {
		return nil, errorString("malformed address " + strconv.Quote(s))
	}
	if !validAddrSpec(a.Address) {
		return nil, errorString("unsupported address " + strconv.Quote(a.Address) + " (plain ASCII user@domain only)")
	}
	if strings.ContainsFunc(a.Name, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return nil, errorString("control character in display name")
	}
	return a, nil
}

type errorString string

func (e errorString) Error() string { return string(e) }

// validAddrSpec accepts local@domain where local is dot-atom text and
// domain a host name: what every relay takes in MAIL FROM and RCPT TO
// without quoting.
func validAddrSpec(addr string) bool {
	if len(addr) > maxAddrSpec {
		return false
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 1 || at == len(addr)-1 {
		return false
	}
	local, domain := addr[:at], addr[at+1:]
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`<>()[]\,;:"@`, c) >= 0 {
			return false
		}
	}
	for _, label := range strings.Split(domain, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// display is an address as a person reads it (no encoding).
func display(a *netmail.Address) string {
	if a.Name == "" {
		return a.Address
	}
	return a.Name + " <" + a.Address + ">"
}

// addressTokens renders a for a header as space-separated tokens the
// header writer may fold between: a printable-ASCII name quoted as needed,
// any other name as encoded-words.
func addressTokens(a *netmail.Address) []string {
	switch {
	case a.Name == "":
		return []string{a.Address}
	case isPrintableASCII(a.Name) && !strings.Contains(a.Name, "=?"):
		// net/mail quotes the name when it must. Splitting on spaces
		// (possibly inside the quotes) is folding whitespace, which
		// RFC 5322 allows in a quoted string.
		return strings.Split((&netmail.Address{Name: a.Name, Address: a.Address}).String(), " ")
	default:
		return append(encodedWords(a.Name), "<"+a.Address+">")
	}
}

// subjectTokens is the subject as folding tokens: its words when it is
// short-worded printable ASCII that no decoder would take for an
// encoded-word and that survives unfolding exactly; encoded-words
// otherwise. Encoding makes CR, LF and every other control character
// harmless: they travel inside base64.
func subjectTokens(s string) []string {
	if s == "" {
		return nil
	}
	plain := isPrintableASCII(s) && !strings.Contains(s, "=?") &&
		s[0] != ' ' && s[len(s)-1] != ' ' && !strings.Contains(s, "  ")
	if plain {
		words := strings.Split(s, " ")
		for _, w := range words {
			if len(w) > maxPlainWord {
				plain = false
				break
			}
		}
		if plain {
			return words
		}
	}
	return encodedWords(s)
}

// encodedWords splits s (valid UTF-8) into RFC 2047 B encoded-words of at
// most wordBytes bytes of UTF-8 each, never inside a character. Decoders
// join adjacent encoded-words without the whitespace between them.
func encodedWords(s string) []string {
	var words []string
	for s != "" {
		n := 0
		for n < len(s) {
			_, size := utf8.DecodeRuneInString(s[n:])
			if n+size > wordBytes {
				break
			}
			n += size
		}
		words = append(words, "=?UTF-8?B?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
		s = s[n:]
	}
	return words
}

// writeHeader writes "Name: tok tok …" folding before a token that would
// take the line past maxHeaderLine. It folds only at a single space between
// two non-empty tokens: no line is whitespace only, and unfolding (which
// drops trailing whitespace) gives back exactly one space.
func writeHeader(b *bytes.Buffer, name string, tokens []string) {
	b.WriteString(name)
	b.WriteByte(':')
	n := len(name) + 1
	for i, t := range tokens {
		if i > 0 && t != "" && tokens[i-1] != "" && n+1+len(t) > maxHeaderLine {
			b.WriteString("\r\n")
			n = 0
		}
		b.WriteByte(' ')
		b.WriteString(t)
		n += 1 + len(t)
	}
	b.WriteString("\r\n")
}

// normalizeText makes the body valid UTF-8 with "\n" line ends (CRLF and a
// lone CR are line ends too).
func normalizeText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if strings.IndexByte(s, '\r') >= 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		s = strings.ReplaceAll(s, "\r", "\n")
	}
	return s
}

// encodeBody picks the transfer encoding: quoted-printable for ASCII text
// (readable in the raw message; long lines get soft breaks), base64 for
// anything else (a third the size of quoted-printable for Japanese). Lines
// are at most 76 characters and end in CRLF.
func encodeBody(text string) (cte string, body []byte) {
	var b bytes.Buffer
	if isASCII(text) {
		w := quotedprintable.NewWriter(&b)
		_, _ = w.Write([]byte(text))
		_ = w.Close()
		if b.Len() > 0 && !bytes.HasSuffix(b.Bytes(), []byte("\r\n")) {
			// A soft line break ends the last line without adding a
			// newline the text does not have.
			b.WriteString("=\r\n")
		}
		return "quoted-printable", b.Bytes()
	}
	// RFC 2045: text is put in canonical form (CRLF line ends) before
	// base64.
	canon := strings.ReplaceAll(text, "\n", "\r\n")
	enc := base64.StdEncoding.EncodeToString([]byte(canon))
	b.Grow(len(enc) + len(enc)/76*2 + 2)
	for len(enc) > 76 {
		b.WriteString(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	if enc != "" {
		b.WriteString(enc)
		b.WriteString("\r\n")
	}
	return "base64", b.Bytes()
}

// newMessageID returns a unique id-left@domain, the domain taken from the
// sender's address.
func newMessageID(from string) string {
	var r [16]byte
	_, _ = rand.Read(r[:])
	return hex.EncodeToString(r[:]) + "@" + from[strings.LastIndexByte(from, '@')+1:]
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			return false
		}
	}
	return true
}

// CheckAddress reports whether s is an address Steward can send from or
// to: "addr" or "Name <addr>", the addr-spec plain ASCII user@domain, no
// control characters. The error says what is wrong.
func CheckAddress(s string) error {
	_, err := parseAddress(s)
	return err
}
