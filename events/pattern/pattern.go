// Package pattern is the EventBridge event-pattern language: validation with
// AWS's reasons, compilation, and matching against JSON documents. SNS
// filter policies use the same matcher with their own limits.
package pattern
