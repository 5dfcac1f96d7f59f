#pragma once
// qpdf's C API (Debian libqpdf-dev): turns the drawn PDF into a PDF/A-3 Factur-X (embedded XML,
// XMP metadata, OutputIntent) object by object.
#include <qpdf/qpdf-c.h>
