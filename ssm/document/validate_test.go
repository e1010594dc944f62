package document

import (
	"strings"
	"testing"
)

// yamlDoc joins lines into a YAML document (keeps the table readable).
func yamlDoc(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

const (
	step22 = "- {action: aws:runShellScript, name: run, inputs: {runCommand: [date]}}"
	step03 = "- {name: wait, action: aws:sleep, inputs: {Duration: PT1S}}"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name    string
		docType string
		content string // YAML unless it starts with "{"
		code    string // "" = valid
		place   string
	}{
		// ---- schema versions -------------------------------------------------
		{"command 2.2", TypeCommand, yamlDoc("schemaVersion: '2.2'", "mainSteps:", step22), "", ""},
		{"command 2.0", TypeCommand, yamlDoc("schemaVersion: '2.0'", "mainSteps:", step22), "", ""},
		{"command schema as number", TypeCommand, yamlDoc("schemaVersion: 2.2", "mainSteps:", step22), "", ""},
		{"command 1.2", TypeCommand, `{"schemaVersion": "1.2", "runtimeConfig": {"aws:runShellScript": {"properties": [{"id": "0.aws:runShellScript", "runCommand": ["ls"]}]}}}`, "", ""},
		{"missing schema", TypeCommand, yamlDoc("mainSteps:", step22), CodeInvalidDocumentSchemaVersion, "schemaVersion is required"},
		{"command 1.0", TypeCommand, yamlDoc("schemaVersion: '1.0'", "mainSteps:", step22), CodeInvalidDocumentSchemaVersion, "1.0"},
		{"command 2.3", TypeCommand, yamlDoc("schemaVersion: '2.3'", "mainSteps:", step22), CodeInvalidDocumentSchemaVersion, "2.3"},
		{"command 0.3", TypeCommand, yamlDoc("schemaVersion: '0.3'", "mainSteps:", step03), CodeInvalidDocumentSchemaVersion, "0.3"},
		{"automation 2.2", TypeAutomation, yamlDoc("schemaVersion: '2.2'", "mainSteps:", step22), CodeInvalidDocumentSchemaVersion, "2.2"},
		{"schema not scalar", TypeCommand, yamlDoc("schemaVersion: [2.2]", "mainSteps:", step22), CodeInvalidDocumentContent, "schemaVersion must be a string"},
		{"description not string", TypeCommand, yamlDoc("schemaVersion: '2.2'", "description: {a: 1}", "mainSteps:", step22), CodeInvalidDocumentContent, "description"},
		{"other types unchecked", "Session", `{"schemaVersion": "1.0", "sessionType": "Standard_Stream"}`, "", ""},

		// ---- schema 1.2 -------------------------------------------------------
		{"1.2 without runtimeConfig", TypeCommand, `{"schemaVersion": "1.2"}`, CodeInvalidDocumentContent, "runtimeConfig is required"},
		{"1.2 with mainSteps", TypeCommand, yamlDoc("schemaVersion: '1.2'", "mainSteps:", step22), CodeInvalidDocumentContent, "mainSteps is not allowed"},
		{"1.2 runtimeConfig array", TypeCommand, `{"schemaVersion": "1.2", "runtimeConfig": []}`, CodeInvalidDocumentContent, "runtimeConfig must be an object"},
		{"1.2 no plugins", TypeCommand, `{"schemaVersion": "1.2", "runtimeConfig": {}}`, CodeInvalidDocumentContent, "at least one plugin"},
		{"1.2 bad plugin name", TypeCommand, `{"schemaVersion": "1.2", "runtimeConfig": {"runShellScript": {"properties": {}}}}`, CodeInvalidDocumentContent, "runtimeConfig.runShellScript"},
		{"1.2 plugin not object", TypeCommand, `{"schemaVersion": "1.2", "runtimeConfig": {"aws:runShellScript": []}}`, CodeInvalidDocumentContent, "runtimeConfig.aws:runShellScript must be an object"},
		{"1.2 no properties", TypeCommand, `{"schemaVersion": "1.2", "runtimeConfig": {"aws:runShellScript": {}}}`, CodeInvalidDocumentContent, "runtimeConfig.aws:runShellScript.properties is required"},
		{"1.2 properties number", TypeCommand, `{"schemaVersion": "1.2", "runtimeConfig": {"aws:runShellScript": {"properties": 1}}}`, CodeInvalidDocumentContent, "aws:runShellScript.properties must be"},
		{"1.2 property not object", TypeCommand, `{"schemaVersion": "1.2", "runtimeConfig": {"aws:runShellScript": {"properties": [{}, "x"]}}}`, CodeInvalidDocumentContent, "aws:runShellScript.properties[1]"},
		{"1.2 properties placeholder", TypeCommand, `{"schemaVersion": "1.2", "parameters": {"p": {"type": "StringMap"}}, "runtimeConfig": {"aws:cloudWatch": {"properties": "{{ p }}"}}}`, "", ""},

		// ---- schema 2.x -------------------------------------------------------
		{"2.2 runtimeConfig", TypeCommand, `{"schemaVersion": "2.2", "runtimeConfig": {}}`, CodeInvalidDocumentContent, "runtimeConfig is not allowed"},
		{"2.2 no mainSteps", TypeCommand, `{"schemaVersion": "2.2"}`, CodeInvalidDocumentContent, "mainSteps is required"},
		{"2.2 mainSteps object", TypeCommand, `{"schemaVersion": "2.2", "mainSteps": {}}`, CodeInvalidDocumentContent, "mainSteps must be an array"},
		{"2.2 mainSteps empty", TypeCommand, `{"schemaVersion": "2.2", "mainSteps": []}`, CodeInvalidDocumentContent, "at least one step"},
		{"2.2 step not object", TypeCommand, yamlDoc("schemaVersion: '2.2'", "mainSteps:", step22, "- run"), CodeInvalidDocumentContent, "mainSteps[1] must be an object"},
		{"2.2 action missing", TypeCommand, yamlDoc("schemaVersion: '2.2'", "mainSteps:", step22, "- {name: b}"), CodeInvalidDocumentContent, "mainSteps[1].action is required"},
		{"2.2 action not aws", TypeCommand, yamlDoc("schemaVersion: '2.2'", "mainSteps:", "- {action: runShellScript, name: a}"), CodeInvalidDocumentContent, "mainSteps[0].action"},
		{"2.2 name missing", TypeCommand, yamlDoc("schemaVersion: '2.2'", "mainSteps:", step22, "- {action: aws:runShellScript}"), CodeInvalidDocumentContent, "mainSteps[1].name is required"},
		{"2.2 name with space", TypeCommand, yamlDoc("schemaVersion: '2.2'", "mainSteps:", "- {action: aws:runShellScript, name: my step}"), CodeInvalidDocumentContent, "mainSteps[0].name"},
		{"2.2 name number", TypeCommand, yamlDoc("schemaVersion: '2.2'", "mainSteps:", "- {action: aws:runShellScript, name: 5}"), CodeInvalidDocumentContent, "mainSteps[0].name must be a string"},
		{"2.2 name with dot and dash", TypeCommand, yamlDoc("schemaVersion: '2.2'", "mainSteps:", "- {action: aws:runShellScript, name: a.b-c_d}"), "", ""},
		{"2.2 duplicate names", TypeCommand, yamlDoc("schemaVersion: '2.2'", "mainSteps:", step22, step22), CodeInvalidDocumentContent, "mainSteps[1].name \"run\" is already the name of mainSteps[0]"},
		{"2.2 inputs list", TypeCommand, yamlDoc("schemaVersion: '2.2'", "mainSteps:", "- {action: aws:runShellScript, name: a, inputs: [x]}"), CodeInvalidDocumentContent, "mainSteps[0].inputs must be an object"},
		{"2.2 precondition", TypeCommand, yamlDoc("schemaVersion: '2.2'", "mainSteps:", "- {action: aws:runShellScript, name: a, precondition: {StringEquals: [platformType, Linux]}}"), "", ""},
		{"2.2 precondition reversed, any case", TypeCommand, yamlDoc("schemaVersion: '2.2'", "mainSteps:", "- {action: aws:runShellScript, name: a, precondition: {StringEquals: [macos, platformType]}}"), "", ""},
		{"2.2 precondition with parameter", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {os: {type: String}}", "mainSteps:", "- {action: aws:runShellScript, name: a, precondition: {StringEquals: ['{{ os }}', Linux]}}"), "", ""},
		{"2.0 precondition", TypeCommand, yamlDoc("schemaVersion: '2.0'", "mainSteps:", "- {action: aws:runShellScript, name: a, precondition: {StringEquals: [platformType, Linux]}}"), CodeInvalidDocumentContent, "mainSteps[0].precondition is supported only in schema version 2.2"},
		{"2.2 precondition operator", TypeCommand, yamlDoc("schemaVersion: '2.2'", "mainSteps:", "- {action: aws:runShellScript, name: a, precondition: {StringLike: [platformType, Linux]}}"), CodeInvalidDocumentContent, "mainSteps[0].precondition.StringLike"},
		{"2.2 precondition three args", TypeCommand, yamlDoc("schemaVersion: '2.2'", "mainSteps:", "- {action: aws:runShellScript, name: a, precondition: {StringEquals: [platformType, Linux, x]}}"), CodeInvalidDocumentContent, "mainSteps[0].precondition.StringEquals must be an array of exactly two"},
		{"2.2 precondition bad platform", TypeCommand, yamlDoc("schemaVersion: '2.2'", "mainSteps:", "- {action: aws:runShellScript, name: a, precondition: {StringEquals: [platformType, Solaris]}}"), CodeInvalidDocumentContent, "mainSteps[0].precondition.StringEquals"},
		{"2.2 precondition constants", TypeCommand, yamlDoc("schemaVersion: '2.2'", "mainSteps:", "- {action: aws:runShellScript, name: a, precondition: {StringEquals: [a, a]}}"), CodeInvalidDocumentContent, "two constants"},
		{"2.2 precondition ssm", TypeCommand, yamlDoc("schemaVersion: '2.2'", "mainSteps:", "- {action: aws:runShellScript, name: a, precondition: {StringEquals: [platformType, '{{ssm:/os}}']}}"), CodeInvalidDocumentContent, "mainSteps[0].precondition.StringEquals[1]"},
		{"2.2 precondition not object", TypeCommand, yamlDoc("schemaVersion: '2.2'", "mainSteps:", "- {action: aws:runShellScript, name: a, precondition: Linux}"), CodeInvalidDocumentContent, "mainSteps[0].precondition must be an object"},
		{"2.2 precondition empty", TypeCommand, yamlDoc("schemaVersion: '2.2'", "mainSteps:", "- {action: aws:runShellScript, name: a, precondition: {}}"), CodeInvalidDocumentContent, "mainSteps[0].precondition must use"},

		// ---- parameters -------------------------------------------------------
		{"parameters list", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: [a]", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters must be an object"},
		{"parameter name", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {'bad name': {type: String}}", "mainSteps:", step22), CodeInvalidDocumentContent, `parameters["bad name"]`},
		{"parameter name with dot", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {a.b-c_d: {type: String}}", "mainSteps:", step22), "", ""},
		{"parameter not object", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: String}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p must be an object"},
		{"type missing", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {description: x}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.type is required"},
		{"type unknown", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: Text}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.type"},
		{"type AWS resource in command", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: 'AWS::EC2::Instance::Id'}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.type"},
		{"type AWS resource in automation", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "parameters: {p: {type: 'List<AWS::EC2::Instance::Id>', default: [i-1]}}", "mainSteps:", step03), "", ""},
		{"description not string", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: String, description: [x]}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.description"},
		{"displayType", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: String, displayType: big}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.displayType"},
		{"allowedPattern invalid", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: String, allowedPattern: '[a-'}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.allowedPattern is not a valid regular expression"},
		{"allowedPattern lookahead", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: String, allowedPattern: '(?=a)a'}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.allowedPattern"},
		{"allowedPattern hidden by wrapping", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: String, allowedPattern: 'a)|(b'}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.allowedPattern"},
		{"allowedValues not list", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: String, allowedValues: a}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.allowedValues must be an array"},
		{"allowedValues object", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: String, allowedValues: [a, {b: 1}]}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.allowedValues[1]"},
		{"minItems negative", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: StringList, minItems: -1}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.minItems"},
		{"maxChars fraction", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: String, maxChars: 1.5}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.maxChars"},
		{"min above max", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: String, minChars: 5, maxChars: 2}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.minChars (5) is greater than maxChars (2)"},

		// ---- defaults ---------------------------------------------------------
		{"default ssm reference", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: Integer, default: '{{ssm:/app/count}}'}}", "mainSteps:", step22), "", ""},
		{"default null", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: String, default: }}", "mainSteps:", step22), "", ""},
		{"default unquoted number for String", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: String, default: 3600, allowedPattern: '[0-9]+'}}", "mainSteps:", step22), "", ""},
		{"default not allowed", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: String, default: c, allowedValues: [a, b]}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.default \"c\" is not one of allowedValues"},
		{"default fails pattern", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: String, default: abc1, allowedPattern: '[a-z]+'}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.default \"abc1\" does not match"},
		{"pattern is anchored", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: String, default: '0', allowedPattern: '([1-9][0-9]{0,4})|(172800)'}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.default"},
		{"default too long", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: String, default: héllo, maxChars: 4}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.default has 5 characters"},
		{"default too short", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: String, default: a, minChars: 2}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.default has 1 characters"},
		{"default list for String", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: String, default: [a]}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.default must be a string"},
		{"StringList default string", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: StringList, default: a}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.default must be an array"},
		{"StringList element", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: StringList, default: [a, [b]]}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.default[1]"},
		{"StringList element pattern", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: StringList, default: [a, B], allowedPattern: '[a-z]'}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.default[1]"},
		{"StringList too many", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: StringList, default: [a, b, c], maxItems: 2}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.default has 3 items"},
		{"StringList too few", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: StringList, default: [], minItems: 1}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.default has 0 items"},
		{"Boolean quoted", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: Boolean, default: 'true'}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.default must be true or false"},
		{"Boolean ok", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: Boolean, default: true}}", "mainSteps:", step22), "", ""},
		{"Integer quoted", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: Integer, default: '3'}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.default must be an integer"},
		{"Integer fraction", TypeCommand, `{"schemaVersion": "2.2", "parameters": {"p": {"type": "Integer", "default": 3.5}}, "mainSteps": [{"action": "aws:runShellScript", "name": "a"}]}`, CodeInvalidDocumentContent, "parameters.p.default must be an integer"},
		{"Integer allowed", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: Integer, default: 4, allowedValues: [1, 2]}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.default \"4\""},
		{"StringMap default list", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: StringMap, default: [a]}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.default must be an object"},
		{"StringMap too long", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: StringMap, default: {key: value}, maxChars: 5}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.default has 15 characters"},
		{"MapList element", TypeCommand, yamlDoc("schemaVersion: '2.2'", "parameters: {p: {type: MapList, default: [{a: 1}, b]}}", "mainSteps:", step22), CodeInvalidDocumentContent, "parameters.p.default[1] must be an object"},

		// ---- automation -------------------------------------------------------
		{"automation ok", TypeAutomation, yamlDoc(
			"schemaVersion: '0.3'",
			"assumeRole: '{{ AutomationAssumeRole }}'",
			"parameters:",
			"  InstanceId: {type: StringList}",
			"  AutomationAssumeRole: {type: String, default: ''}",
			"variables: {count: {type: Integer, default: 0}}",
			"mainSteps:",
			"- name: run",
			"  action: aws:runCommand",
			"  maxAttempts: 2",
			"  timeoutSeconds: '{{ Timeout }}'",
			"  isCritical: false",
			"  onFailure: step:recover",
			"  onCancel: Abort",
			"  nextStep: done",
			"  inputs: {DocumentName: AWS-RunShellScript, InstanceIds: '{{ InstanceId }}'}",
			"  outputs: [{Name: Id, Selector: $.CommandId, Type: String}]",
			"- {name: recover, action: aws:sleep, onFailure: Continue, inputs: {Duration: PT1S}}",
			"- {name: done, action: aws:pause, isEnd: true, inputs: {}}",
			"outputs: [run.Id]",
		), "", ""},
		{"automation runtimeConfig", TypeAutomation, `{"schemaVersion": "0.3", "runtimeConfig": {}}`, CodeInvalidDocumentContent, "runtimeConfig is not allowed"},
		{"automation assumeRole", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "assumeRole: [x]", "mainSteps:", step03), CodeInvalidDocumentContent, "assumeRole must be a string"},
		{"automation no steps", TypeAutomation, `{"schemaVersion": "0.3", "mainSteps": []}`, CodeInvalidDocumentContent, "mainSteps must contain"},
		{"automation step name dot", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "mainSteps:", "- {name: a.b, action: aws:sleep, inputs: {}}"), CodeInvalidDocumentContent, "mainSteps[0].name"},
		{"automation step name missing", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "mainSteps:", step03, "- {action: aws:sleep, inputs: {}}"), CodeInvalidDocumentContent, "mainSteps[1].name is required"},
		{"automation duplicate", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "mainSteps:", step03, step03), CodeInvalidDocumentContent, "mainSteps[1].name \"wait\" is already"},
		{"automation action short", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "mainSteps:", "- {name: a, action: aws:ab, inputs: {}}"), CodeInvalidDocumentContent, "mainSteps[0].action"},
		{"automation action digits", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "mainSteps:", "- {name: a, action: aws:sleep2, inputs: {}}"), CodeInvalidDocumentContent, "mainSteps[0].action"},
		{"automation inputs missing", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "mainSteps:", "- {name: a, action: aws:sleep}"), CodeInvalidDocumentContent, "mainSteps[0].inputs is required"},
		{"automation inputs string", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "mainSteps:", "- {name: a, action: aws:sleep, inputs: x}"), CodeInvalidDocumentContent, "mainSteps[0].inputs must be an object"},
		{"onFailure unknown step", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "mainSteps:", "- {name: a, action: aws:sleep, onFailure: 'step:b', inputs: {}}"), CodeInvalidDocumentContent, "mainSteps[0].onFailure refers to step \"b\""},
		{"onFailure value", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "mainSteps:", "- {name: a, action: aws:sleep, onFailure: Retry, inputs: {}}"), CodeInvalidDocumentContent, "mainSteps[0].onFailure \"Retry\""},
		{"onCancel Continue", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "mainSteps:", "- {name: a, action: aws:sleep, onCancel: Continue, inputs: {}}"), CodeInvalidDocumentContent, "mainSteps[0].onCancel \"Continue\""},
		{"nextStep unknown", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "mainSteps:", step03, "- {name: a, action: aws:sleep, nextStep: nope, inputs: {}}"), CodeInvalidDocumentContent, "mainSteps[1].nextStep refers to step \"nope\""},
		{"nextStep number", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "mainSteps:", "- {name: a, action: aws:sleep, nextStep: 1, inputs: {}}"), CodeInvalidDocumentContent, "mainSteps[0].nextStep must be a string"},
		{"isEnd string", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "mainSteps:", "- {name: a, action: aws:sleep, isEnd: 'yes', inputs: {}}"), CodeInvalidDocumentContent, "mainSteps[0].isEnd"},
		{"maxAttempts zero", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "mainSteps:", "- {name: a, action: aws:sleep, maxAttempts: 0, inputs: {}}"), CodeInvalidDocumentContent, "mainSteps[0].maxAttempts"},
		{"output type", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "mainSteps:", "- {name: a, action: aws:sleep, inputs: {}, outputs: [{Name: x, Selector: $.x, Type: Float}]}"), CodeInvalidDocumentContent, "mainSteps[0].outputs[0].Type \"Float\""},
		{"output selector missing", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "mainSteps:", "- {name: a, action: aws:sleep, inputs: {}, outputs: [{Name: x, Type: String}]}"), CodeInvalidDocumentContent, "mainSteps[0].outputs[0].Selector is required"},
		{"outputs not list", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "mainSteps:", "- {name: a, action: aws:sleep, inputs: {}, outputs: x}"), CodeInvalidDocumentContent, "mainSteps[0].outputs must be an array"},
		{"document output unknown step", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "mainSteps:", step03, "outputs: [other.Out]"), CodeInvalidDocumentContent, "outputs[0] \"other.Out\" refers to step \"other\""},
		{"document output form", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "mainSteps:", step03, "outputs: [wait]"), CodeInvalidDocumentContent, "outputs[0] \"wait\" must have the form"},
		{"variables type", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "variables: {v: {type: Float}}", "mainSteps:", step03), CodeInvalidDocumentContent, "variables.v.type"},
		{"files not object", TypeAutomation, yamlDoc("schemaVersion: '0.3'", "files: [a]", "mainSteps:", step03), CodeInvalidDocumentContent, "files must be an object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			format := FormatYAML
			if strings.HasPrefix(tt.content, "{") {
				format = FormatJSON
			}
			d, err := Parse(tt.content, format)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			err = Validate(tt.docType, d)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			wantError(t, err, tt.code, tt.place)
		})
	}
}

func TestValidateTextAndNil(t *testing.T) {
	d, err := Parse("BEGIN:VCALENDAR\nEND:VCALENDAR\n", FormatText)
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, Validate(TypeCommand, d), CodeInvalidDocumentContent, "TEXT")
	if err := Validate("ChangeCalendar", d); err != nil {
		t.Fatalf("ChangeCalendar TEXT: %v", err)
	}
	wantError(t, Validate(TypeAutomation, nil), CodeInvalidDocumentContent, "empty")
}
