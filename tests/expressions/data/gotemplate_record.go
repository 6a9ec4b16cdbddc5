// Records Go's own text/template answers for the cases below, as JSON on stdout.
//
// Run from this directory:  go run gotemplate_record.go > gotemplate_go_recorded.json
// tests/expressions/test_gotemplate_conformance.py replays the recorded file; Go is not
// needed to run the tests. Data is JSON decoded as ringdesk sees it: integral numbers are
// int, other numbers float64, objects map[string]interface{}, arrays []interface{}.
package main

import (
	"bytes"
	"encoding/json"
	"os"
	"runtime"
	"strings"
	"text/template"
)

type tcase struct {
	Name string
	Tpl  string
	Data string // JSON; "" is nil
}

const tree = `{"n":"a","kids":[{"n":"b","kids":[]},{"n":"c","kids":[{"n":"d","kids":[]}]}]}`
const nums = `{"count":3,"score":3.5,"i":2,"f":2.0,"neg":-1,"s":"x","list":[1,2,3]}`
const vals = `{"s":"hello","i":42,"neg":-42,"f":3.14159,"one":1.0,"big":1e21,"tiny":1e-7,"t":true,"nil":null,"list":[1,"a",null,2.5],"strs":["a","b"],"map":{"b":[1,2],"a":1},"empty":"","uni":"héllo☺","quote":"a\"b\\c","tick":"a` + "`" + `b","ctl":"a\u0001b\tc"}`

var cases = []tcase{
	// -- printf: argument indexes and star widths/precisions --------------------------------
	{"printf index swap", `{{printf "%[2]s %[1]s" "a" "b"}}`, ""},
	{"printf index reuse", `{{printf "%[1]s%[1]s|%s" "a" "b"}}`, ""},
	{"printf index then next", `{{printf "%[2]d %d" 1 2 3}}`, ""},
	{"printf index out of range", `{{printf "%[3]s" "a" "b"}}`, ""},
	{"printf index zero", `{{printf "%[0]s" "a"}}`, ""},
	{"printf index not a number", `{{printf "%[x]s" "a"}}`, ""},
	{"printf index unclosed", `{{printf "%[1s" "a"}}`, ""},
	{"printf index no verb", `{{printf "%[1]" "a"}}`, ""},
	{"printf star width", `{{printf "%*d|" 5 42}}`, ""},
	{"printf star width minus", `{{printf "%-*d|" 5 42}}`, ""},
	{"printf star negative width", `{{printf "%*d|" -5 42}}`, ""},
	{"printf star width not int", `{{printf "%*d|" "x" 42}}`, ""},
	{"printf star width float", `{{printf "%*d|" 5.0 42}}`, ""},
	{"printf star width too large", `{{printf "%*d|" 10000000 42}}`, ""},
	{"printf star precision", `{{printf "%.*f" 2 3.14159}}`, ""},
	{"printf star width and precision", `{{printf "%-*.*f|" 8 2 3.14159}}`, ""},
	{"printf star negative precision", `{{printf "%.*d|" -1 42}}`, ""},
	{"printf star precision not int", `{{printf "%.*d|" "x" 42}}`, ""},
	{"printf indexed star", `{{printf "%[1]*d" 3}}`, ""},
	{"printf indexed star and value", `{{printf "%[2]*[1]d|" 12 5}}`, ""},
	{"printf indexed precision", `{{printf "%[3].[2]*[1]f|" 12.0 2 6}}`, ""},
	{"printf index after width", `{{printf "%[1]2d" 5}}`, ""},
	{"printf index after precision", `{{printf "%[1].2d" 5}}`, ""},
	{"printf star missing", `{{printf "%*d"}}`, ""},
	{"printf reordered no extra", `{{printf "%[1]d" 1 2}}`, ""},
	{"printf extra", `{{printf "%d" 1 "x" nil}}`, ""},
	{"printf missing", `{{printf "%d %s"}}`, ""},
	{"printf no verb", `{{printf "100%"}}`, ""},
	{"printf huge width", `{{printf "%99999999d" 1}}`, ""},
	{"printf bad verb width", `{{printf "%5z|%-5y|%05w" 5 "x" 1.5}}`, ""},
	{"printf bad verb on list", `{{printf "%z" .list}}`, vals},
	{"printf huge precision", `{{printf "%.99999999d" 1}}`, ""},
	{"printf percent ignores width", `{{printf "%5%|"}}`, ""},
	{"printf unknown verb", `{{printf "%z" 5}}`, ""},
	{"printf non-ascii verb", `{{printf "%é" 5}}`, ""},
	// -- printf: %U %c %q on integers -------------------------------------------------------
	{"printf U", `{{printf "%U" 128512}}`, ""},
	{"printf sharp U", `{{printf "%#U" 128512}}`, ""},
	{"printf sharp U control", `{{printf "%#U" 10}}`, ""},
	{"printf U precision", `{{printf "%.6U|%08U" 65 65}}`, ""},
	{"printf U negative", `{{printf "%U" -1}}`, ""},
	{"printf U on string", `{{printf "%U" "A"}}`, ""},
	{"printf c", `{{printf "%c%c%5c|" 65 128512 66}}`, ""},
	{"printf c invalid", `{{printf "%c|%c" -1 1114112}}`, ""},
	{"printf q rune", `{{printf "%q %q %q" 65 39 10}}`, ""},
	{"printf plus q rune", `{{printf "%+q %q" 9786 9786}}`, ""},
	{"printf sharp q rune", `{{printf "%#q" 65}}`, ""},
	{"printf q invalid rune", `{{printf "%q" 1114112}}`, ""},
	// -- printf: strings ------------------------------------------------------------------------
	{"printf q string", `{{printf "%q" .quote}}`, vals},
	{"printf plus q string", `{{printf "%+q" .uni}}`, vals},
	{"printf sharp q string", `{{printf "%#q" .s}}`, vals},
	{"printf sharp q backtick", `{{printf "%#q" .tick}}`, vals},
	{"printf sharp q control", `{{printf "%#q|%#q" .ctl "a\tb"}}`, vals},
	{"printf sharp plus q", `{{printf "%#+q" .uni}}`, vals},
	{"printf q control", `{{printf "%q" .ctl}}`, vals},
	{"printf q precision", `{{printf "%.3q" .uni}}`, vals},
	{"printf q width", `{{printf "%12q|%-12q|" .s .s}}`, vals},
	{"printf x string", `{{printf "%x" .s}}`, vals},
	{"printf X string", `{{printf "%X" .uni}}`, vals},
	{"printf space x string", `{{printf "% x" .s}}`, vals},
	{"printf sharp x string", `{{printf "%#x" .s}}`, vals},
	{"printf space sharp x string", `{{printf "% #x" .s}}`, vals},
	{"printf space sharp X string", `{{printf "% #X" .s}}`, vals},
	{"printf x string precision", `{{printf "%.2x" .s}}`, vals},
	{"printf x string width", `{{printf "%14x|%-14x|" .s .s}}`, vals},
	{"printf x empty string", `{{printf "%x|%5x|" .empty .empty}}`, vals},
	{"printf s precision", `{{printf "%.3s|%.0s|%.10s" .uni .s .s}}`, vals},
	{"printf s width runes", `{{printf "%8s|%-8s|" .uni .uni}}`, vals},
	{"printf zero pad string", `{{printf "%08s|%-08s|" .s .s}}`, vals},
	{"printf s on number", `{{printf "%s|%s|%s" 5 1.5 true}}`, ""},
	{"printf d on string", `{{printf "%d" "x"}}`, ""},
	// -- printf: %v, %#v, %+v, %T ---------------------------------------------------------------
	{"printf v values", `{{printf "%v|%v|%v|%v|%v|%v" .s .i .f .t .nil .list}}`, vals},
	{"printf v map", `{{printf "%v" .map}}`, vals},
	{"printf v floats", `{{printf "%v %v %v %v %v" .one .big .tiny 123456789.0 0.000001}}`, vals},
	{"printf sharp v scalars", `{{printf "%#v|%#v|%#v|%#v|%#v|%#v" .s .i .f .one .t .nil}}`, vals},
	{"printf sharp v float forms", `{{printf "%#v|%#v|%#v" .big .tiny 100000.0}}`, vals},
	{"printf sharp v list", `{{printf "%#v" .list}}`, vals},
	{"printf sharp v map", `{{printf "%#v" .map}}`, vals},
	{"printf sharp v empty", `{{printf "%#v|%#v" (slice .list 0 0) .empty}}`, vals},
	{"printf plus v", `{{printf "%+v|%+v|%+v|%+v" .i .neg .f .map}}`, vals},
	{"printf v width precision", `{{printf "%6.2v|%-8v|%08v|%.2v" .f .i .i .s}}`, vals},
	{"printf v nil width", `{{printf "%5v|%-5v|%T" .nil .nil .nil}}`, vals},
	{"printf T", `{{printf "%T %T %T %T %T %T" .i .f .s .t .list .map}}`, vals},
	{"printf T width", `{{printf "%10T|%-10T|%.3T" .i .i .s}}`, vals},
	// -- printf: verbs applied inside lists and maps ------------------------------------------
	{"printf d list", `{{printf "%d" (slice .list 0 1)}}`, vals},
	{"printf d mixed list", `{{printf "%d" .list}}`, vals},
	{"printf s list", `{{printf "%s" .strs}}`, vals},
	{"printf q list", `{{printf "%q" .strs}}`, vals},
	{"printf x list", `{{printf "%x" .strs}}`, vals},
	{"printf 5d list", `{{printf "%3d|" (slice .list 0 1)}}`, vals},
	{"printf d map", `{{printf "%d" .map}}`, vals},
	{"printf s nil", `{{printf "%s|%d" .nil .nil}}`, vals},
	// -- printf: integers ---------------------------------------------------------------------
	{"printf int flags", `{{printf "%+d|% d|%05d|%-5d|%+05d|% 05d" 42 42 -42 42 42 42}}`, ""},
	{"printf int precision", `{{printf "%.5d|%8.5d|%.0d|%5.0d|" 42 -42 0 0}}`, ""},
	{"printf int bases", `{{printf "%b|%o|%O|%x|%X|%#b|%#o|%#x|%#X" 5 8 8 255 255 5 8 255 255}}`, ""},
	{"printf int negative hex", `{{printf "%x|%#x|%08x" -255 -255 -255}}`, ""},
	{"printf int zero with minus", `{{printf "%-05d|" 42}}`, ""},
	{"printf int sharp zero", `{{printf "%#o|%#x" 0 0}}`, ""},
	{"printf int big", `{{printf "%d|%x" 9223372036854775807 -9223372036854775807}}`, ""},
	{"printf int as float verbs", `{{printf "%f|%e|%g" 1 1 1}}`, ""},
	{"printf t", `{{printf "%t|%5t|%-6t|%t" true false true 1}}`, ""},
	// -- printf: floats -----------------------------------------------------------------------
	{"printf float verbs", `{{printf "%e|%E|%f|%F|%g|%G" 1234.5678 1234.5678 1234.5678 1234.5678 1234.5678 1234.5678}}`, ""},
	{"printf float precision", `{{printf "%.2e|%.0f|%.3g|%.10g|%.0e" 1234.5678 2.5 1234.5678 0.1 15.0}}`, ""},
	{"printf float flags", `{{printf "%+.2f|% .2f|%08.3f|%-8.2f|%+08.2f|% 08.2f" 3.14159 3.14159 -3.14159 3.14159 3.14159 3.14159}}`, ""},
	{"printf float sharp", `{{printf "%#g|%#.3g|%#e|%#.0f|%#.0e|%#v" 1.0 1.0 1.0 3.0 3.0 1.0}}`, ""},
	{"printf float sharp g forms", `{{printf "%#g|%#g|%#.4g|%#g" 0.0 123456789.0 0.000012345 100000.0}}`, ""},
	{"printf float g forms", `{{printf "%g|%g|%g|%g|%G" 100000.0 1000000.0 0.0001 0.00001 1e-10}}`, ""},
	{"printf float hex", `{{printf "%x|%X|%x|%.2x|%#x|%x" 1.0 3.5 0.1 0.1 1.0 0.0}}`, ""},
	{"printf float b", `{{printf "%b|%b" 1.0 0.1}}`, ""},
	{"printf float bad verbs", `{{printf "%d|%s|%c" 1.5 1.5 1.5}}`, ""},
	{"printf float negative zero", `{{printf "%v|%f|%g|%+.1f" -0.0 -0.0 -0.0 -0.0}}`, ""},
	{"printf float rounding", `{{printf "%.0f|%.0f|%.1f|%.2f|%.1f" 0.5 1.5 0.25 1.005 0.05}}`, ""},
	{"printf float large", `{{printf "%f|%.3e|%g|%v" 1e22 1.7976931348623157e308 1e100 1e20}}`, ""},
	{"printf float small", `{{printf "%f|%e|%g|%.3f" 5e-324 5e-324 5e-324 1e-10}}`, ""},
	// -- print and println ----------------------------------------------------------------------
	{"print spacing", `{{print 1 2 "a" 3 .nil .nil "b" true}}`, vals},
	{"println spacing", `{{println 1 "a" .nil 2.5}}`, vals},
	{"print containers", `{{print .list .map}}`, vals},
	// -- number and string literals at their limits ----------------------------------------------
	{"float literal overflow", `{{1e99999}}`, ""},
	{"negative float literal overflow", `{{-1e400}}`, ""},
	{"hex float literal overflow", `{{0x1p99999}}`, ""},
	{"float literal underflow", `{{1e-400}} {{0x1p-2000}}`, ""},
	{"int literal overflow", `{{9223372036854775808}}`, ""},
	{"octal escape too large", `{{"\777"}}`, ""},
	{"octal escape at the limit", `{{len "\377"}}`, ""},
	// -- comparisons between integers and floats ------------------------------------------------
	{"eq int float equal", `{{eq .count 3.0}}`, nums},
	{"eq int float literal", `{{eq 3 3.0}}`, ""},
	{"eq float int fields", `{{eq .f .i}}`, nums},
	{"eq int float unequal", `{{eq .count 3.5}}`, nums},
	{"eq int many floats", `{{eq .count 1.0 2.0 3.0}}`, nums},
	{"ne int float", `{{ne .i .f}}`, nums},
	{"lt float int", `{{lt .score 4}}`, nums},
	{"lt int float", `{{lt .count .score}}`, nums},
	{"le int float", `{{le .i .f}}`, nums},
	{"gt int float", `{{gt 4 .score}}`, nums},
	{"ge float int", `{{ge .f .i}}`, nums},
	{"gt negative int float", `{{gt .neg -1.5}}`, nums},
	{"eq int int", `{{eq .count 3}}`, nums},
	{"lt float float", `{{lt .score 4.5}}`, nums},
	{"eq float string", `{{eq .score .s}}`, nums},
	{"lt int string", `{{lt .count .s}}`, nums},
	{"eq list", `{{eq .list .list}}`, nums},
	// -- define, template, block ------------------------------------------------------------
	{"define and template", `{{define "T"}}hello {{.}}{{end}}{{template "T" "world"}}`, ""},
	{"template dot", `{{define "T"}}[{{.name}}]{{end}}{{template "T" .}}`, `{"name":"x"}`},
	{"template field", `{{template "T" .user}}{{define "T"}}{{.name}}{{end}}`, `{"user":{"name":"u"}}`},
	{"text around define", `a{{define "T"}}X{{end}}b`, ""},
	{"define only", `{{define "T"}}X{{end}}`, ""},
	{"dollar in define", `{{define "T"}}{{$}}{{$.a}}{{end}}{{template "T" .x}}`, `{"x":{"a":"A"},"a":"root"}`},
	{"template without pipeline", `{{define "T"}}<{{.}}>{{end}}{{template "T"}}`, ""},
	{"template without pipeline if", `{{define "T"}}{{if .}}yes{{else}}no{{end}}{{end}}{{template "T"}}`, ""},
	{"template pipeline call", `{{define "T"}}{{.}}{{end}}{{template "T" printf "%s-%s" "a" "b"}}`, ""},
	{"template pipeline parens", `{{define "T"}}{{.}}{{end}}{{template "T" (index .list 1)}}`, `{"list":[1,2]}`},
	{"template pipeline chain", `{{define "T"}}{{.}}{{end}}{{template "T" .x | printf "<%s>"}}`, `{"x":"v"}`},
	{"template declares variable", `{{define "T"}}{{.}}{{end}}{{template "T" $v := 7}}{{$v}}`, ""},
	{"define range", `{{define "T"}}{{range .}}{{.}},{{end}}{{end}}{{template "T" .list}}`, `{"list":[1,2,3]}`},
	{"define break", `{{define "T"}}{{range .}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}}{{end}}{{template "T" .list}}`, `{"list":[1,2,3]}`},
	{"template inside range", `{{define "T"}}<{{.}}>{{end}}{{range .list}}{{template "T" .}}{{end}}`, `{"list":[1,2]}`},
	{"template chain", `{{define "A"}}a{{template "B" .}}{{end}}{{define "B"}}b{{template "C" .}}{{end}}{{define "C"}}c{{.}}{{end}}{{template "A" 1}}`, ""},
	{"recursive template", `{{define "node"}}{{.n}}{{range .kids}}({{template "node" .}}){{end}}{{end}}{{template "node" .}}`, tree},
	{"block", `{{block "B" .}}default {{.x}}{{end}}`, `{"x":1}`},
	{"block then template", `{{block "B" .}}[{{.}}]{{end}}{{template "B" 2}}`, `5`},
	{"block in range", `{{range .list}}{{block "I" .}}<{{.}}>{{end}}{{end}}`, `{"list":[1,2]}`},
	{"block pipeline", `{{block "B" .list}}{{len .}}{{end}}`, `{"list":[1,2,3]}`},
	{"define name with space", `{{define "a b"}}x{{end}}{{template "a b"}}`, ""},
	{"define raw string name", "{{define `T`}}raw{{end}}{{template `T`}}", ""},
	{"define trim markers", `{{define "T" -}}  x  {{- end}}[{{template "T"}}]`, ""},
	{"define after comment", `{{/* c */}}{{define "T"}}x{{end}}{{template "T"}}`, ""},
	{"empty redefinition kept", `{{define "a"}}1{{end}}{{define "a"}}  {{end}}{{template "a"}}`, ""},
	{"redefinition of empty", `{{define "a"}} {{end}}{{define "a"}}2{{end}}{{template "a"}}`, ""},
	{"multiple definition", `{{define "a"}}1{{end}}{{define "a"}}2{{end}}`, ""},
	{"block redefined", `{{block "a" .}}1{{end}}{{define "a"}}2{{end}}`, ""},
	{"undefined template", `{{template "nope"}}`, ""},
	{"undefined template unexecuted", `{{if false}}{{template "nope"}}{{end}}ok`, ""},
	{"template name not string", `{{template .x}}`, `{"x":"T"}`},
	{"template without name", `{{template}}`, ""},
	{"define name not string", `{{define T}}x{{end}}`, ""},
	{"define unclosed", `{{define "T"}}x`, ""},
	{"define with else", `{{define "T"}}x{{else}}y{{end}}`, ""},
	{"define inside if", `{{if true}}{{define "T"}}x{{end}}{{end}}`, ""},
	{"define inside define", `{{define "A"}}{{define "B"}}x{{end}}{{end}}`, ""},
	{"define outer variable", `{{$x := 1}}{{define "T"}}{{$x}}{{end}}`, ""},
	{"define break outside range", `{{define "T"}}{{break}}{{end}}`, ""},
	{"define break inside caller range", `{{define "T"}}{{break}}{{end}}{{range .list}}{{template "T"}}{{end}}`, `{"list":[1]}`},
	{"block missing pipeline", `{{block "B"}}x{{end}}`, ""},
	{"block unclosed", `{{block "B" .}}x`, ""},
	{"template extra args", `{{define "T"}}x{{end}}{{template "T" 1 2}}`, ""},
	{"template nil pipeline", `{{define "T"}}x{{end}}{{template "T" nil}}`, ""},
	{"infinite recursion", `{{define "T"}}{{template "T" .}}{{end}}{{template "T" .}}`, ""},
}

type recorded struct {
	Name    string      `json:"name"`
	Source  string      `json:"source"`
	Input   string      `json:"input"`
	Data    interface{} `json:"data"`
	Output  *string     `json:"output,omitempty"`
	Error   bool        `json:"error,omitempty"`
	GoError string      `json:"go_error,omitempty"`
}

func convert(v interface{}) interface{} {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil && !strings.ContainsAny(string(x), ".eE") {
			return int(i)
		}
		f, _ := x.Float64()
		return f
	case map[string]interface{}:
		for k, e := range x {
			x[k] = convert(e)
		}
	case []interface{}:
		for i, e := range x {
			x[i] = convert(e)
		}
	}
	return v
}

func decode(text string) (interface{}, interface{}) {
	if text == "" {
		return nil, nil
	}
	var forGo, forJSON interface{}
	dec := json.NewDecoder(strings.NewReader(text))
	dec.UseNumber()
	if err := dec.Decode(&forGo); err != nil {
		panic(err)
	}
	if err := json.Unmarshal([]byte(text), &forJSON); err != nil {
		panic(err)
	}
	return convert(forGo), json.RawMessage(text)
}

func main() {
	out := []recorded{}
	source := "recorded from " + runtime.Version() + " by data/gotemplate_record.go"
	for _, c := range cases {
		data, raw := decode(c.Data)
		r := recorded{Name: c.Name, Source: source, Input: c.Tpl, Data: raw}
		t, err := template.New("t").Parse(c.Tpl)
		if err == nil {
			var buf bytes.Buffer
			err = t.Execute(&buf, data)
			if err == nil {
				s := buf.String()
				r.Output = &s
			}
		}
		if err != nil {
			r.Error = true
			r.GoError = err.Error()
		}
		out = append(out, r)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(map[string]interface{}{"about": "Go text/template answers recorded by gotemplate_record.go; see that file.", "cases": out}); err != nil {
		panic(err)
	}
}
