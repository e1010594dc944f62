package smtptest

import (
	"bufio"
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"math/big"
	"net"
	"strings"
	"time"
)

// Line limits. RFC 5321 allows 512 octets for a command line; AUTH
// responses may be longer (RFC 4954 recommends 12288).
const (
	maxCommandLine = 12288
	maxTextLine    = 1000 // a DATA line, CRLF included (RFC 5321 4.5.3.1.6)
)

var (
	errLineTooLong = errors.New("line too long")
	errBareLF      = errors.New("bare CR or LF")
	errTooBig      = errors.New("message too big")
)

// command is one parsed command line.
type command struct {
	Verb string // upper case
	Arg  string // the rest of the line after one space, as sent
}

// parseCommand splits a command line (without its CRLF) into the verb and
// its argument. The verb is 1–16 ASCII letters; the line may hold no
// control characters.
func parseCommand(line string) (command, error) {
	for i := 0; i < len(line); i++ {
		if c := line[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return command{}, errors.New("control character in command")
		}
	}
	verb, arg, _ := cutSpace(line)
	if verb == "" || len(verb) > 16 {
		return command{}, errors.New("syntax error")
	}
	for i := 0; i < len(verb); i++ {
		c := verb[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return command{}, errors.New("syntax error")
		}
	}
	return command{Verb: upper(verb), Arg: arg}, nil
}

// cutSpace splits s at its first space.
func cutSpace(s string) (before, after string, found bool) {
	return strings.Cut(s, " ")
}

// upper upper-cases ASCII letters only.
func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// parsePath reads the argument of MAIL ("FROM:<addr> params") or RCPT
// ("TO:<addr> params"): the address between the angle brackets and the
// ESMTP parameters after them. The empty reverse-path "<>" is allowed when
// null is. Source routes and quoted local parts are not supported.
func parsePath(arg, prefix string, null bool) (addr, params string, err error) {
	if len(arg) < len(prefix) || upper(arg[:len(prefix)]) != prefix {
		return "", "", errors.New("syntax: expected " + prefix + "<address>")
	}
	rest := strings.TrimLeft(arg[len(prefix):], " ")
	if !strings.HasPrefix(rest, "<") {
		return "", "", errors.New("syntax: the address must be in angle brackets")
	}
	end := strings.IndexByte(rest, '>')
	if end < 0 {
		return "", "", errors.New("syntax: missing '>'")
	}
	addr, params = rest[1:end], rest[end+1:]
	if params != "" && params[0] != ' ' {
		return "", "", errors.New("syntax: junk after the address")
	}
	params = strings.TrimSpace(params)
	if addr == "" {
		if !null {
			return "", "", errors.New("an empty address is only allowed in MAIL")
		}
		return "", params, nil
	}
	if strings.ContainsAny(addr, "<> \t\"") || strings.HasPrefix(addr, "@") {
		return "", "", errors.New("unsupported address syntax")
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 1 || at == len(addr)-1 {
		return "", "", errors.New("the address must be local@domain")
	}
	return addr, params, nil
}

// readLine reads one line ending in CRLF and returns it without the CRLF.
// A line longer than limit is consumed and reported as errLineTooLong; a
// line ending in a bare LF, or holding a CR elsewhere, is errBareLF.
func readLine(r *bufio.Reader, limit int) (string, error) {
	var line []byte
	tooLong := false
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line)+len(chunk) > limit {
			tooLong = true
		} else {
			line = append(line, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return "", err
		}
		break
	}
	if tooLong {
		return "", errLineTooLong
	}
	if len(line) < 2 || line[len(line)-2] != '\r' || bytes.IndexByte(line[:len(line)-2], '\r') >= 0 {
		return "", errBareLF
	}
	return string(line[:len(line)-2]), nil
}

// readData reads a DATA block up to the line ".", removing the extra dot
// of dot-stuffed lines (RFC 5321 4.5.2), and returns the message with CRLF
// line ends. It always reads up to the end marker, so the conversation can
// go on after errBareLF or errTooBig; another error is the connection's.
func readData(r *bufio.Reader, limit int) ([]byte, error) {
	var out []byte
	var bad error
	for {
		line, err := readDataLine(r)
		if err != nil {
			return nil, err
		}
		if string(line) == ".\r\n" {
			break
		}
		if bad != nil {
			continue
		}
		if len(line) < 2 || line[len(line)-2] != '\r' || bytes.IndexByte(line[:len(line)-2], '\r') >= 0 ||
			len(line) > maxTextLine {
			bad = errBareLF
			if len(line) > maxTextLine {
				bad = errTooBig
			}
			continue
		}
		if line[0] == '.' {
			line = line[1:]
		}
		if len(out)+len(line) > limit {
			bad = errTooBig
			continue
		}
		out = append(out, line...)
	}
	if bad != nil {
		return nil, bad
	}
	return out, nil
}

// readDataLine reads up to and including the next LF. An over-long line is
// returned cut short (without its LF), which readData refuses.
func readDataLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(line) <= maxTextLine {
			line = append(line, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(line) > maxTextLine+1 {
			return line[:maxTextLine+1], nil
		}
		return line, nil
	}
}

// decodePlain reads an AUTH PLAIN response: base64 of
// authzid NUL authcid NUL passwd (RFC 4616).
func decodePlain(resp string) (user, pass string, ok bool) {
	raw, ok := decodeBase64(resp)
	if !ok {
		return "", "", false
	}
	parts := strings.Split(raw, "\x00")
	if len(parts) != 3 || parts[1] == "" {
		return "", "", false
	}
	return parts[1], parts[2], true
}

func decodeBase64(s string) (string, bool) {
	b, err := base64.StdEncoding.DecodeString(s)
	return string(b), err == nil
}

// selfSigned makes a certificate for 127.0.0.1, ::1 and localhost that is
// its own root.
func selfSigned() (tls.Certificate, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "smtptest"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, der, nil
}
