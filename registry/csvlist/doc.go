// Package csvlist reads the CSV lists that certification bodies publish
// (JC-STAR, CCDS and the like) into a registry.Document.
//
// The lists differ in their headers, their date formats, their words for a
// status and their encoding (UTF-8 with or without a byte order mark, or
// CP932 as Excel on Japanese Windows writes it), so a Mapping, loaded from a
// small JSON file, says which column holds which registry field and how its
// values translate. Read streams the rows; it never holds the whole file in
// memory, and it bounds the size of a cell, a line and the number of rows, so
// that a malformed or hostile file fails early with a message that names the
// file, the line, the column and the value.
//
// One row is one certification. Rows of the same model (by ref, by the
// caller's resolver, or by a ref derived from the vendor and the model
// number) are grouped into one registry.Model, and must agree on the model
// fields they both set.
package csvlist
