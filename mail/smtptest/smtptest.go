// Package smtptest is a real SMTP server for tests: it listens on
// 127.0.0.1:0, speaks EHLO/HELO, STARTTLS (with a generated self-signed
// certificate) or implicit TLS, AUTH PLAIN and LOGIN, MAIL, RCPT, DATA with
// dot-unstuffing, RSET, NOOP and QUIT, answers with configured failures
// where a test asks for them, and records what it accepted. Decode reads a
// recorded message back with the standard library's decoders (net/mail,
// mime, mime/quotedprintable), independently of the encoder under test.
//
// It is strict where a lenient relay would hide a client bug: lines must end
// in CRLF, commands come in order, data pipelined behind STARTTLS is
// refused.
package smtptest

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"
)

// Stage is the point of the conversation a Reply hook is asked about.
type Stage string

// The stages.
const (
	StageConnect  Stage = "CONNECT"  // the greeting; arg ""
	StageEHLO     Stage = "EHLO"     // EHLO or HELO; arg the name given
	StageSTARTTLS Stage = "STARTTLS" // arg ""
	StageAUTH     Stage = "AUTH"     // arg the mechanism, before the exchange
	StageMAIL     Stage = "MAIL"     // arg the reverse-path address
	StageRCPT     Stage = "RCPT"     // arg the recipient address
	StageDATA     Stage = "DATA"     // the DATA command; arg ""
	StageMessage  Stage = "MESSAGE"  // after the final "."; arg ""
)

// Reply replaces the server's own answer at a stage: Code and Text (the
// text may hold several lines separated by "\n"), or Hangup, which closes
// the connection without an answer. The zero Reply lets the server answer.
type Reply struct {
	Code   int
	Text   string
	Hangup bool
}

func (r Reply) set() bool { return r.Code != 0 || r.Hangup }

// Options configures a Server.
type Options struct {
	// ImplicitTLS makes the listener speak TLS from the first byte (the
	// port-465 style). Otherwise the connection starts in cleartext.
	ImplicitTLS bool
	// NoStartTLS stops a cleartext server from offering STARTTLS.
	NoStartTLS bool
	// Username and Password, when set, are the credentials AUTH accepts;
	// until a client has authenticated, MAIL is refused with 530.
	Username, Password string
	// AuthMechanisms are the mechanisms offered when Username is set
	// (default PLAIN and LOGIN; the server speaks only those two).
	AuthMechanisms []string
	// Reply, when set, is asked at each stage; a set Reply replaces the
	// server's answer (and at MESSAGE, a non-2xx Reply means the message
	// is not recorded).
	Reply func(stage Stage, arg string) Reply
	// MaxMessageBytes is the SIZE offered and enforced (default 10 MiB).
	MaxMessageBytes int
}

// Message is one message the server accepted.
type Message struct {
	Helo     string   // the name in EHLO/HELO
	TLS      bool     // whether the connection was TLS when the message came
	AuthUser string   // the authenticated user, "" without AUTH
	From     string   // the reverse-path (MAIL FROM)
	To       []string // the forward-paths (RCPT TO) accepted
	Data     []byte   // the message after dot-unstuffing, CRLF line ends
}

// Server is a running test SMTP server.
type Server struct {
	opts Options
	ln   net.Listener
	cert tls.Certificate
	pool *x509.CertPool
	pem  []byte

	mu       sync.Mutex
	messages []Message
	commands []string
	conns    map[net.Conn]struct{}
	closed   bool
	wg       sync.WaitGroup
}

// Start starts a server for the duration of the test.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// New starts a server; Close stops it.
func New(opts Options) (*Server, error) {
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = 10 << 20
	}
	if opts.Username != "" && len(opts.AuthMechanisms) == 0 {
		opts.AuthMechanisms = []string{"PLAIN", "LOGIN"}
	}
	cert, certDER, err := selfSigned()
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(certDER)
	if err != nil {
		return nil, err
	}
	s := &Server{opts: opts, cert: cert, pool: x509.NewCertPool(), conns: map[net.Conn]struct{}{},
		pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: certDER})}
	s.pool.AddCert(leaf)
	if s.ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
		return nil, err
	}
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// Close stops listening, closes every connection and waits for them.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.ln.Close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Addr is the listen address, "127.0.0.1:port".
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Host is "127.0.0.1".
func (s *Server) Host() string { return s.ln.Addr().(*net.TCPAddr).IP.String() }

// Port is the listen port.
func (s *Server) Port() int { return s.ln.Addr().(*net.TCPAddr).Port }

// CertPool holds the server's self-signed certificate, to verify it.
func (s *Server) CertPool() *x509.CertPool { return s.pool }

// CertPEM is the server's certificate in PEM (for a CA file).
func (s *Server) CertPEM() []byte { return append([]byte(nil), s.pem...) }

// Messages returns the messages accepted so far. A message is recorded
// before the server answers the final "." with 250, so it is here as soon
// as the client's send returned.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// Commands returns the command verbs received so far, in order, from every
// connection ("EHLO", "STARTTLS", "AUTH", "MAIL", …; no arguments, so no
// credentials).
func (s *Server) Commands() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.commands...)
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			s.serve(c)
		}()
	}
}

func (s *Server) record(verb string) {
	s.mu.Lock()
	s.commands = append(s.commands, verb)
	s.mu.Unlock()
}

func (s *Server) accepted(m Message) {
	s.mu.Lock()
	s.messages = append(s.messages, m)
	s.mu.Unlock()
}

func (s *Server) hook(stage Stage, arg string) Reply {
	if s.opts.Reply == nil {
		return Reply{}
	}
	return s.opts.Reply(stage, arg)
}

// idle bounds how long the server waits for a client line, so a test that
// abandons a connection does not leak its goroutine past Close.
const idle = time.Minute

// conn is one client connection.
type conn struct {
	s    *Server
	c    net.Conn
	r    *bufio.Reader
	w    *bufio.Writer
	tls  bool
	helo string
	user string // authenticated user
	from *string
	to   []string
}

var errHangup = errors.New("smtptest: hang up")

func (s *Server) serve(nc net.Conn) {
	c := &conn{s: s, c: nc}
	if s.opts.ImplicitTLS {
		tc := tls.Server(nc, &tls.Config{Certificates: []tls.Certificate{s.cert}})
		_ = nc.SetDeadline(time.Now().Add(idle))
		if err := tc.Handshake(); err != nil {
			return
		}
		c.c, c.tls = tc, true
	}
	c.r, c.w = bufio.NewReader(c.c), bufio.NewWriter(c.c)
	if err := c.answer(s.hook(StageConnect, ""), 220, "smtptest.local ESMTP ready"); err != nil {
		return
	}
	for {
		_ = nc.SetDeadline(time.Now().Add(idle))
		line, err := readLine(c.r, maxCommandLine)
		if errors.Is(err, errLineTooLong) {
			if c.say(500, "5.5.6 Line too long") != nil {
				return
			}
			continue
		}
		if err != nil {
			return
		}
		cmd, err := parseCommand(line)
		if err != nil {
			if c.say(500, "5.5.2 "+err.Error()) != nil {
				return
			}
			continue
		}
		s.record(cmd.Verb)
		if err := c.handle(cmd); err != nil {
			return
		}
	}
}

// answer sends r when set, else the default reply.
func (c *conn) answer(r Reply, code int, text string) error {
	if r.Hangup {
		return errHangup
	}
	if r.Code != 0 {
		return c.say(r.Code, r.Text)
	}
	return c.say(code, text)
}

// say writes a (possibly multi-line) reply.
func (c *conn) say(code int, text string) error {
	lines := splitLines(text)
	for i, l := range lines {
		sep := " "
		if i < len(lines)-1 {
			sep = "-"
		}
		if _, err := c.w.WriteString(strconv.Itoa(code) + sep + l + "\r\n"); err != nil {
			return err
		}
	}
	return c.w.Flush()
}

func splitLines(text string) []string {
	var out []string
	start := 0
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			out = append(out, text[start:i])
			start = i + 1
		}
	}
	return append(out, text[start:])
}

func (c *conn) reset() {
	c.from, c.to = nil, nil
}

func (c *conn) handle(cmd command) error {
	s := c.s
	switch cmd.Verb {
	case "EHLO", "HELO":
		if cmd.Arg == "" {
			return c.say(501, "5.5.4 Syntax: "+cmd.Verb+" hostname")
		}
		if r := s.hook(StageEHLO, cmd.Arg); r.set() {
			return c.answer(r, 0, "")
		}
		c.helo = cmd.Arg
		c.reset()
		if cmd.Verb == "HELO" {
			return c.say(250, "smtptest.local")
		}
		lines := []string{"smtptest.local greets " + cmd.Arg, "SIZE " + strconv.Itoa(s.opts.MaxMessageBytes), "8BITMIME", "ENHANCEDSTATUSCODES"}
		if !c.tls && !s.opts.NoStartTLS {
			lines = append(lines, "STARTTLS")
		}
		if s.opts.Username != "" {
			auth := "AUTH"
			for _, m := range s.opts.AuthMechanisms {
				auth += " " + m
			}
			lines = append(lines, auth)
		}
		text := lines[0]
		for _, l := range lines[1:] {
			text += "\n" + l
		}
		return c.say(250, text)
	case "STARTTLS":
		if c.tls || s.opts.NoStartTLS {
			return c.say(502, "5.5.1 STARTTLS not available")
		}
		if cmd.Arg != "" {
			return c.say(501, "5.5.4 Syntax: STARTTLS")
		}
		if r := s.hook(StageSTARTTLS, ""); r.set() {
			return c.answer(r, 0, "")
		}
		if c.r.Buffered() > 0 { // a client must wait for the 220 (CVE-2011-0411)
			return c.say(554, "5.5.1 Data pipelined after STARTTLS")
		}
		if err := c.say(220, "2.0.0 Ready to start TLS"); err != nil {
			return err
		}
		tc := tls.Server(c.c, &tls.Config{Certificates: []tls.Certificate{s.cert}})
		if err := tc.Handshake(); err != nil {
			return err
		}
		c.c, c.tls = tc, true
		c.r, c.w = bufio.NewReader(tc), bufio.NewWriter(tc)
		c.helo, c.user = "", "" // RFC 3207: forget everything
		c.reset()
		return nil
	case "AUTH":
		return c.auth(cmd.Arg)
	case "MAIL":
		switch {
		case c.helo == "":
			return c.say(503, "5.5.1 Say EHLO first")
		case c.from != nil:
			return c.say(503, "5.5.1 Nested MAIL command")
		case s.opts.Username != "" && c.user == "":
			return c.say(530, "5.7.0 Authentication required")
		}
		addr, _, err := parsePath(cmd.Arg, "FROM:", true)
		if err != nil {
			return c.say(501, "5.5.4 "+err.Error())
		}
		if r := s.hook(StageMAIL, addr); r.set() {
			return c.answer(r, 0, "")
		}
		c.from = &addr
		return c.say(250, "2.1.0 Ok")
	case "RCPT":
		if c.from == nil {
			return c.say(503, "5.5.1 Need MAIL before RCPT")
		}
		addr, _, err := parsePath(cmd.Arg, "TO:", false)
		if err != nil {
			return c.say(501, "5.5.4 "+err.Error())
		}
		if r := s.hook(StageRCPT, addr); r.set() {
			return c.answer(r, 0, "")
		}
		c.to = append(c.to, addr)
		return c.say(250, "2.1.5 Ok")
	case "DATA":
		if cmd.Arg != "" {
			return c.say(501, "5.5.4 Syntax: DATA")
		}
		if c.from == nil || len(c.to) == 0 {
			return c.say(503, "5.5.1 Need RCPT before DATA")
		}
		if r := s.hook(StageDATA, ""); r.set() {
			return c.answer(r, 0, "")
		}
		if err := c.say(354, "End data with <CR><LF>.<CR><LF>"); err != nil {
			return err
		}
		_ = c.c.SetDeadline(time.Now().Add(idle))
		data, err := readData(c.r, s.opts.MaxMessageBytes)
		switch {
		case errors.Is(err, errBareLF):
			c.reset()
			return c.say(554, "5.5.2 Bare CR or LF in message")
		case errors.Is(err, errTooBig):
			c.reset()
			return c.say(552, "5.3.4 Message too big")
		case err != nil:
			return err
		}
		m := Message{Helo: c.helo, TLS: c.tls, AuthUser: c.user, From: *c.from, To: c.to, Data: data}
		c.reset()
		r := s.hook(StageMessage, "")
		if !r.set() || r.Code >= 200 && r.Code < 300 {
			s.accepted(m)
		}
		return c.answer(r, 250, "2.0.0 Ok: queued")
	case "RSET":
		c.reset()
		return c.say(250, "2.0.0 Ok")
	case "NOOP":
		return c.say(250, "2.0.0 Ok")
	case "VRFY":
		return c.say(252, "2.1.5 Cannot verify")
	case "QUIT":
		_ = c.say(221, "2.0.0 Bye")
		return errHangup
	}
	return c.say(500, "5.5.2 Command not recognized")
}

// auth runs AUTH PLAIN or AUTH LOGIN (RFC 4954), with or without an
// initial response.
func (c *conn) auth(arg string) error {
	s := c.s
	mech, initial, hasInitial := cutSpace(arg)
	mech = upper(mech)
	switch {
	case s.opts.Username == "":
		return c.say(502, "5.5.1 AUTH not available")
	case c.helo == "":
		return c.say(503, "5.5.1 Say EHLO first")
	case c.user != "":
		return c.say(503, "5.5.1 Already authenticated")
	case c.from != nil:
		return c.say(503, "5.5.1 AUTH not allowed during a transaction")
	case !contains(s.opts.AuthMechanisms, mech):
		return c.say(504, "5.5.4 Unrecognized authentication type")
	}
	if r := s.hook(StageAUTH, mech); r.set() {
		return c.answer(r, 0, "")
	}
	// ask sends a 334 challenge and reads the base64 answer.
	ask := func(challenge string) (string, error) {
		if err := c.say(334, challenge); err != nil {
			return "", err
		}
		line, err := readLine(c.r, maxCommandLine)
		if err != nil {
			return "", err
		}
		return line, nil
	}
	var user, pass string
	switch mech {
	case "PLAIN":
		resp := initial
		if !hasInitial {
			var err error
			if resp, err = ask(""); err != nil {
				return err
			}
		}
		if resp == "*" {
			return c.say(501, "5.7.0 Authentication cancelled")
		}
		var ok bool
		if user, pass, ok = decodePlain(resp); !ok {
			return c.say(501, "5.5.2 Malformed PLAIN response")
		}
	case "LOGIN":
		resp := initial
		if !hasInitial {
			var err error
			if resp, err = ask("VXNlcm5hbWU6"); err != nil { // "Username:"
				return err
			}
		}
		u, ok := decodeBase64(resp)
		if resp == "*" || !ok {
			return c.say(501, "5.7.0 Authentication cancelled or malformed")
		}
		resp, err := ask("UGFzc3dvcmQ6") // "Password:"
		if err != nil {
			return err
		}
		p, ok := decodeBase64(resp)
		if resp == "*" || !ok {
			return c.say(501, "5.7.0 Authentication cancelled or malformed")
		}
		user, pass = u, p
	}
	if user != s.opts.Username || pass != s.opts.Password {
		return c.say(535, "5.7.8 Authentication credentials invalid")
	}
	c.user = user
	return c.say(235, "2.7.0 Authentication successful")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if upper(x) == s {
			return true
		}
	}
	return false
}

func (m Message) String() string {
	return fmt.Sprintf("from %s to %v (%d bytes, tls=%v, user=%q)", m.From, m.To, len(m.Data), m.TLS, m.AuthUser)
}
