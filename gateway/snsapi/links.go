package snsapi

import (
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/stewardhq/steward"
	"github.com/stewardhq/steward/protocol"
	"github.com/stewardhq/steward/protocol/awsquery"
	"github.com/stewardhq/steward/sns"
)

// Links serves the unauthenticated SNS links under sns.LinkPath (mounted on
// the server's internal mux): the token in a link is its credential.
//
//	GET ?Action=ConfirmSubscription&TopicArn=…&Token=…    SubscribeURL: XML like AWS's
//	GET ?Action=Unsubscribe&SubscriptionArn=…&Token=…     UnsubscribeURL: XML
//	GET confirmation.html?TopicArn=…&Token=…&Endpoint=…   the confirm link of a mail: HTML
//	GET unsubscribe.html?SubscriptionArn=…&Token=…        the unsubscribe link of a mail: HTML
//	GET SimpleNotificationService-<key id>.pem            the signing certificate
func Links(t *sns.Topics, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &links{t: t, log: log, xml: awsquery.New()}
}

type links struct {
	t   *sns.Topics
	log *slog.Logger
	xml protocol.Codec
}

func (l *links) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	name := strings.TrimPrefix(r.URL.Path, sns.LinkPath)
	q := r.URL.Query()
	// The caller of a link is nobody in particular.
	ctx := steward.WithCaller(r.Context(), &steward.Caller{})
	switch {
	case name == "":
		rid := uuid.NewString()
		var out any
		var err error
		action := q.Get("Action")
		switch action {
		case "ConfirmSubscription":
			var arn string
			arn, err = l.t.ConfirmSubscription(ctx, q.Get("TopicArn"), q.Get("Token"), "", false)
			out = &subscriptionArnOutput{SubscriptionArn: arn}
		case "Unsubscribe":
			err = l.t.Unsubscribe(ctx, q.Get("SubscriptionArn"), true, q.Get("Token"))
		default:
			err = steward.Errorf(steward.CodeInvalidAction, "The action %s is not valid for this web service.", action)
		}
		if err != nil {
			l.xml.WriteError(w, rid, &wire, l.fault(err, rid))
			return
		}
		l.xml.WriteResult(w, rid, &wire, action, out)
	case name == "confirmation.html":
		arn, err := l.t.ConfirmSubscription(ctx, q.Get("TopicArn"), q.Get("Token"), "", false)
		if err != nil {
			l.page(w, http.StatusBadRequest, "Subscription not confirmed", "Your subscription could not be confirmed: "+steward.AsError(err).Message, "")
			return
		}
		l.page(w, http.StatusOK, "Subscription confirmed!", "You have successfully subscribed. Your subscription's id is:", arn)
	case name == "unsubscribe.html":
		arn := q.Get("SubscriptionArn")
		if err := l.t.Unsubscribe(ctx, arn, true, q.Get("Token")); err != nil {
			l.page(w, http.StatusBadRequest, "Subscription not removed", "Your subscription could not be removed: "+steward.AsError(err).Message, "")
			return
		}
		l.page(w, http.StatusOK, "Subscription removed!", "Your subscription to the topic below has been deactivated for "+q.Get("Endpoint")+":", topicOf(arn))
	case strings.HasPrefix(name, "SimpleNotificationService-") && strings.HasSuffix(name, ".pem"):
		id := strings.TrimSuffix(strings.TrimPrefix(name, "SimpleNotificationService-"), ".pem")
		cert, ok := l.t.SigningCert(id)
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/x-x509-ca-cert")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		_, _ = w.Write(cert)
	default:
		http.NotFound(w, r)
	}
}

// fault renders an error like the gateway does for SNS.
func (l *links) fault(err error, rid string) *protocol.Fault {
	e := steward.AsError(err)
	if e.Code == steward.CodeInternalFailure {
		l.log.Error("internal failure", "request_id", rid, "service", "sns", "op", "link", "err", e.Cause)
	}
	f := &protocol.Fault{Code: e.Code, QueryCode: e.Code, Message: e.Message, Status: 400, Sender: true}
	if info, ok := errorTable[e.Code]; ok {
		f.Code, f.QueryCode = queryCode(e.Code), queryCode(e.Code)
		if info.Status != 0 {
			f.Status = info.Status
		}
		f.Sender = !info.Server
	}
	if e.Status != 0 {
		f.Status = e.Status
	}
	return f
}

func topicOf(subARN string) string {
	if i := strings.LastIndexByte(subARN, ':'); i > 0 {
		return subARN[:i]
	}
	return subARN
}

var pageTmpl = template.Must(template.New("page").Parse(`<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Steward SNS - {{.Title}}</title></head>
<body style="font-family: sans-serif; margin: 3em;">
<h1>{{.Title}}</h1>
<p>{{.Text}}</p>
{{if .Detail}}<p><code>{{.Detail}}</code></p>{{end}}
</body></html>
`))

func (l *links) page(w http.ResponseWriter, status int, title, text, detail string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = pageTmpl.Execute(w, struct{ Title, Text, Detail string }{title, text, detail})
}
