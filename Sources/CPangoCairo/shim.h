#pragma once
// cairo (Debian libcairo2-dev) draws the invoice PDF; pango (libpango1.0-dev) lays out its text
// (wrapping, metrics, font embedding through cairo's PDF surface).
#include <cairo.h>
#include <cairo-pdf.h>
#include <pango/pangocairo.h>

// Pango's unit conversions are macros Swift cannot import.
static inline int facturation_pango_units(double points) { return (int)(points * PANGO_SCALE + 0.5); }
static inline double facturation_pango_points(int units) { return (double)units / PANGO_SCALE; }
