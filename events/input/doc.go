// Package input shapes what an EventBridge target receives: the JSONPath
// subset of InputPath and InputPathsMap ($.detail-type, $.detail.x[0],
// wildcards), and input templates with <variable> substitution, the
// predefined aws.events.* variables and AWS's rules for JSON versus string
// templates. Values are cut from the event's own JSON text, so key order and
// number spelling come out as they went in. Standard library only.
package input
