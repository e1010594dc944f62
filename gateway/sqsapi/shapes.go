package sqsapi

// Wire shapes (botocore sqs/2012-11-05: the JSON model for member names,
// the older query model for the awsQuery names: flattened lists and maps
// named Attribute, MessageAttribute, Tag, QueueUrl, <Entry type>…).
// Pointers and omitempty leave out what AWS leaves out.

type queueAttributes = map[string]string

type createQueueInput struct {
	QueueName  string            `json:"QueueName"`
	Attributes queueAttributes   `json:"Attributes,omitempty" query:"Attribute,flat,key=Name,value=Value"`
	Tags       map[string]string `json:"tags,omitempty" query:"Tag,flat,key=Key,value=Value"`
}

type queueURLOutput struct {
	QueueUrl *string `json:"QueueUrl,omitempty"`
}

type getQueueURLInput struct {
	QueueName              string `json:"QueueName"`
	QueueOwnerAWSAccountId string `json:"QueueOwnerAWSAccountId,omitempty"`
}

type listQueuesInput struct {
	QueueNamePrefix string `json:"QueueNamePrefix,omitempty"`
	NextToken       string `json:"NextToken,omitempty"`
	MaxResults      *int32 `json:"MaxResults,omitempty"`
}

type listQueuesOutput struct {
	QueueUrls []string `json:"QueueUrls,omitempty" query:"QueueUrl,flat"`
	NextToken *string  `json:"NextToken,omitempty"`
}

type queueInput struct {
	QueueUrl string `json:"QueueUrl"`
}

type getQueueAttributesInput struct {
	QueueUrl       string   `json:"QueueUrl"`
	AttributeNames []string `json:"AttributeNames,omitempty" query:"AttributeName,flat"`
}

type getQueueAttributesOutput struct {
	Attributes queueAttributes `json:"Attributes,omitempty" query:"Attribute,flat,key=Name,value=Value"`
}

type setQueueAttributesInput struct {
	QueueUrl   string          `json:"QueueUrl"`
	Attributes queueAttributes `json:"Attributes" query:"Attribute,flat,key=Name,value=Value"`
}

type listDeadLetterSourceQueuesInput struct {
	QueueUrl   string `json:"QueueUrl"`
	NextToken  string `json:"NextToken,omitempty"`
	MaxResults *int32 `json:"MaxResults,omitempty"`
}

type listDeadLetterSourceQueuesOutput struct {
	QueueUrls []string `json:"queueUrls" query:"QueueUrl,flat"`
	NextToken *string  `json:"NextToken,omitempty"`
}

type tagQueueInput struct {
	QueueUrl string            `json:"QueueUrl"`
	Tags     map[string]string `json:"Tags" query:"Tag,flat,key=Key,value=Value"`
}

type untagQueueInput struct {
	QueueUrl string   `json:"QueueUrl"`
	TagKeys  []string `json:"TagKeys" query:"TagKey,flat"`
}

type listQueueTagsOutput struct {
	Tags map[string]string `json:"Tags,omitempty" query:"Tag,flat,key=Key,value=Value"`
}

// messageAttributeValue is MessageAttributeValue and
// MessageSystemAttributeValue (the same members).
type messageAttributeValue struct {
	StringValue      *string  `json:"StringValue,omitempty"`
	BinaryValue      []byte   `json:"BinaryValue,omitempty"`
	StringListValues []string `json:"StringListValues,omitempty" query:"StringListValue,flat"`
	BinaryListValues [][]byte `json:"BinaryListValues,omitempty" query:"BinaryListValue,flat"`
	DataType         string   `json:"DataType"`
}

type messageAttributes = map[string]messageAttributeValue

type sendMessageInput struct {
	QueueUrl                string            `json:"QueueUrl"`
	MessageBody             string            `json:"MessageBody"`
	DelaySeconds            *int32            `json:"DelaySeconds,omitempty"`
	MessageAttributes       messageAttributes `json:"MessageAttributes,omitempty" query:"MessageAttribute,flat,key=Name,value=Value"`
	MessageSystemAttributes messageAttributes `json:"MessageSystemAttributes,omitempty" query:"MessageSystemAttribute,flat,key=Name,value=Value"`
	MessageDeduplicationId  string            `json:"MessageDeduplicationId,omitempty"`
	MessageGroupId          string            `json:"MessageGroupId,omitempty"`
}

type sendMessageOutput struct {
	MD5OfMessageBody             *string `json:"MD5OfMessageBody,omitempty"`
	MD5OfMessageAttributes       *string `json:"MD5OfMessageAttributes,omitempty"`
	MD5OfMessageSystemAttributes *string `json:"MD5OfMessageSystemAttributes,omitempty"`
	MessageId                    *string `json:"MessageId,omitempty"`
	SequenceNumber               *string `json:"SequenceNumber,omitempty"`
}

type sendMessageBatchRequestEntry struct {
	Id                      string            `json:"Id"`
	MessageBody             string            `json:"MessageBody"`
	DelaySeconds            *int32            `json:"DelaySeconds,omitempty"`
	MessageAttributes       messageAttributes `json:"MessageAttributes,omitempty" query:"MessageAttribute,flat,key=Name,value=Value"`
	MessageSystemAttributes messageAttributes `json:"MessageSystemAttributes,omitempty" query:"MessageSystemAttribute,flat,key=Name,value=Value"`
	MessageDeduplicationId  string            `json:"MessageDeduplicationId,omitempty"`
	MessageGroupId          string            `json:"MessageGroupId,omitempty"`
}

type sendMessageBatchInput struct {
	QueueUrl string                         `json:"QueueUrl"`
	Entries  []sendMessageBatchRequestEntry `json:"Entries" query:"SendMessageBatchRequestEntry,flat"`
}

type sendMessageBatchResultEntry struct {
	Id                           string  `json:"Id"`
	MessageId                    string  `json:"MessageId"`
	MD5OfMessageBody             string  `json:"MD5OfMessageBody"`
	MD5OfMessageAttributes       *string `json:"MD5OfMessageAttributes,omitempty"`
	MD5OfMessageSystemAttributes *string `json:"MD5OfMessageSystemAttributes,omitempty"`
	SequenceNumber               *string `json:"SequenceNumber,omitempty"`
}

type batchResultErrorEntry struct {
	Id          string  `json:"Id"`
	SenderFault bool    `json:"SenderFault"`
	Code        string  `json:"Code"`
	Message     *string `json:"Message,omitempty"`
}

type sendMessageBatchOutput struct {
	Successful []sendMessageBatchResultEntry `json:"Successful" query:"SendMessageBatchResultEntry,flat"`
	Failed     []batchResultErrorEntry       `json:"Failed" query:"BatchResultErrorEntry,flat"`
}

type receiveMessageInput struct {
	QueueUrl                    string   `json:"QueueUrl"`
	AttributeNames              []string `json:"AttributeNames,omitempty" query:"AttributeName,flat"`
	MessageSystemAttributeNames []string `json:"MessageSystemAttributeNames,omitempty" query:"MessageSystemAttributeName,flat"`
	MessageAttributeNames       []string `json:"MessageAttributeNames,omitempty" query:"MessageAttributeName,flat"`
	MaxNumberOfMessages         *int32   `json:"MaxNumberOfMessages,omitempty"`
	VisibilityTimeout           *int32   `json:"VisibilityTimeout,omitempty"`
	WaitTimeSeconds             *int32   `json:"WaitTimeSeconds,omitempty"`
	ReceiveRequestAttemptId     string   `json:"ReceiveRequestAttemptId,omitempty"`
}

type message struct {
	MessageId              string            `json:"MessageId"`
	ReceiptHandle          string            `json:"ReceiptHandle"`
	MD5OfBody              string            `json:"MD5OfBody"`
	Body                   string            `json:"Body"`
	Attributes             map[string]string `json:"Attributes,omitempty" query:"Attribute,flat,key=Name,value=Value"`
	MD5OfMessageAttributes *string           `json:"MD5OfMessageAttributes,omitempty"`
	MessageAttributes      messageAttributes `json:"MessageAttributes,omitempty" query:"MessageAttribute,flat,key=Name,value=Value"`
}

type receiveMessageOutput struct {
	Messages []message `json:"Messages,omitempty" query:"Message,flat"`
}

type deleteMessageInput struct {
	QueueUrl      string `json:"QueueUrl"`
	ReceiptHandle string `json:"ReceiptHandle"`
}

type deleteMessageBatchRequestEntry struct {
	Id            string `json:"Id"`
	ReceiptHandle string `json:"ReceiptHandle"`
}

type deleteMessageBatchInput struct {
	QueueUrl string                           `json:"QueueUrl"`
	Entries  []deleteMessageBatchRequestEntry `json:"Entries" query:"DeleteMessageBatchRequestEntry,flat"`
}

type batchResultEntry struct {
	Id string `json:"Id"`
}

type deleteMessageBatchOutput struct {
	Successful []batchResultEntry      `json:"Successful" query:"DeleteMessageBatchResultEntry,flat"`
	Failed     []batchResultErrorEntry `json:"Failed" query:"BatchResultErrorEntry,flat"`
}

type changeMessageVisibilityInput struct {
	QueueUrl          string `json:"QueueUrl"`
	ReceiptHandle     string `json:"ReceiptHandle"`
	VisibilityTimeout *int32 `json:"VisibilityTimeout"`
}

type changeMessageVisibilityBatchRequestEntry struct {
	Id                string `json:"Id"`
	ReceiptHandle     string `json:"ReceiptHandle"`
	VisibilityTimeout *int32 `json:"VisibilityTimeout,omitempty"`
}

type changeMessageVisibilityBatchInput struct {
	QueueUrl string                                     `json:"QueueUrl"`
	Entries  []changeMessageVisibilityBatchRequestEntry `json:"Entries" query:"ChangeMessageVisibilityBatchRequestEntry,flat"`
}

type changeMessageVisibilityBatchOutput struct {
	Successful []batchResultEntry      `json:"Successful" query:"ChangeMessageVisibilityBatchResultEntry,flat"`
	Failed     []batchResultErrorEntry `json:"Failed" query:"BatchResultErrorEntry,flat"`
}
