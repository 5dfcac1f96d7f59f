#pragma once
// libxlsxwriter (Debian libxlsxwriter-dev): the XLSX reports written beside the CSV files.
#include <xlsxwriter.h>
