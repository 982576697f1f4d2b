package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// goPackage is every exported name of the generated package: top-level functions, types and
// constants, and per type its methods (on the jsii proxy) and struct fields.
type goPackage struct {
	topLevel map[string]bool
	members  map[string]map[string]bool
}

func parseGoPackage(t *testing.T, dir string) goPackage {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no generated Go sources in %s: %v", dir, err)
	}
	pkg := goPackage{topLevel: map[string]bool{}, members: map[string]map[string]bool{}}
	member := func(typ, name string) {
		typ = strings.TrimPrefix(typ, "jsiiProxy_")
		if pkg.members[typ] == nil {
			pkg.members[typ] = map[string]bool{}
		}
		pkg.members[typ][name] = true
	}
	fset := token.NewFileSet()
	for _, file := range files {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				if d.Recv == nil {
					pkg.topLevel[d.Name.Name] = true
					continue
				}
				recv := d.Recv.List[0].Type
				if star, ok := recv.(*ast.StarExpr); ok {
					recv = star.X
				}
				if ident, ok := recv.(*ast.Ident); ok {
					member(ident.Name, d.Name.Name)
				}
			case *ast.GenDecl:
				for _, spec := range d.Specs {
					switch s := spec.(type) {
					case *ast.TypeSpec:
						pkg.topLevel[s.Name.Name] = true
						switch body := s.Type.(type) {
						case *ast.StructType:
							for _, field := range body.Fields.List {
								for _, name := range field.Names {
									member(s.Name.Name, name.Name)
								}
							}
						case *ast.InterfaceType:
							for _, m := range body.Methods.List {
								for _, name := range m.Names {
									member(s.Name.Name, name.Name)
								}
								// An embedded interface of aws-cdk-go (awscdk.IResource, ...) brings its methods.
								if sel, ok := m.Type.(*ast.SelectorExpr); ok && len(m.Names) == 0 {
									if pkgIdent, ok := sel.X.(*ast.Ident); ok {
										for _, name := range embeddedMembers[pkgIdent.Name+"."+sel.Sel.Name] {
											member(s.Name.Name, name)
										}
									}
								}
							}
						}
					case *ast.ValueSpec:
						for _, name := range s.Names {
							pkg.topLevel[name.Name] = true
						}
					}
				}
			}
		}
	}
	return pkg
}

// The methods that embedding an aws-cdk-go interface gives a Go interface of this package (jsii-pacmak
// declares them again only where two parents must be told apart, as for IHsmCluster). From aws-cdk-go's
// IResource, IConstruct and IConnectable.
var embeddedMembers = map[string][]string{
	"awscdk.IResource":      {"Env", "Node", "Stack", "ApplyRemovalPolicy"},
	"constructs.IConstruct": {"Node"},
	"awsec2.IConnectable":   {"Connections"},
}

var (
	// A documented member: ##### `Name` ... id="cdk-cloudhsm.Type.member" (or .property.member).
	docHeading = regexp.MustCompile("(?m)^##### `([A-Za-z0-9_]+)`.*id=\"cdk-cloudhsm\\.([A-Za-z0-9]+)\\.([^\"]+)\"")
	// A documented call: cdkcloudhsm.Name(...) in a code block.
	docCall = regexp.MustCompile(`cdkcloudhsm\.([A-Za-z0-9_]+)\(`)
	// A documented signature: func Name(...) in a code block.
	docFunc = regexp.MustCompile("(?m)^func ([A-Za-z0-9_]+)\\(")
)

// TestGoApiReferenceNamesExist: every name docs/API.go.md tells a Go user to type exists in the
// generated package, constants and members included.
func TestGoApiReferenceNamesExist(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "API.go.md"))
	if err != nil {
		t.Fatal(err)
	}
	pkg := parseGoPackage(t, filepath.Join("..", "..", "dist", "go", "cdkcloudhsm"))
	allMembers := map[string]bool{}
	for _, names := range pkg.members {
		for name := range names {
			allMembers[name] = true
		}
	}
	checked := 0
	for _, m := range docHeading.FindAllStringSubmatch(string(doc), -1) {
		name, typ, id := m[1], m[2], m[3]
		if strings.Contains(id, "Initializer.parameter.") || !ast.IsExported(name) {
			continue // constructor parameters are positional
		}
		checked++
		if !pkg.members[typ][name] && !pkg.topLevel[typ+"_"+name] && !pkg.topLevel[name] {
			t.Errorf("docs/API.go.md documents %s on %s (%s); the Go package has no such name", name, typ, id)
		}
	}
	for _, m := range docCall.FindAllStringSubmatch(string(doc), -1) {
		checked++
		if !pkg.topLevel[m[1]] {
			t.Errorf("docs/API.go.md calls cdkcloudhsm.%s; the Go package has no such function", m[1])
		}
	}
	for _, m := range docFunc.FindAllStringSubmatch(string(doc), -1) {
		checked++
		if !pkg.topLevel[m[1]] && !allMembers[m[1]] {
			t.Errorf("docs/API.go.md shows func %s; the Go package has no such function or method", m[1])
		}
	}
	if checked < 50 {
		t.Errorf("only %d names found in docs/API.go.md: the reference's format changed", checked)
	}
}
