#pragma once
// Internal to io/plot: one PLplot page written safely. Not for use outside io/plot and its
// tests.
//
// PLplot keeps its state in globals (the current stream, the exit and abort handlers), is not
// thread-safe, and on a fatal error calls exit(). render_page() therefore
//  * holds one process-wide mutex for the whole page,
//  * installs a plsexit handler that throws (PLplot is C built with unwind tables, so the
//    exception crosses its frames; the handler runs before PLplot's own exit()), and a plsabort
//    handler that records PLplot's non-fatal complaints,
//  * checks that the cairo device exists before plinit, because PLplot would otherwise prompt
//    for a device on stdin,
//  * opens the temporary output itself first, because PLplot would otherwise retry fopen and
//    then exit,
//  * makes a fresh stream (plmkstrm) and ends it with plend1, so no state leaks between pages.
#include <functional>
#include <string>

#include "io/plot/plot.hpp"

namespace tianyan::plot_detail {

// Draws one page with `draw` (which calls PLplot freely: the page is initialised, white
// background, colour 1 black, cmap1 a white-to-black ramp) and renames the file into place.
// Throws as io/plot/plot.hpp says.
void render_page(const std::string& path, const PlotOptions& options,
                 const std::function<void()>& draw);

// Throws Environment unless PLplot offers the device ("pngcairo" or "pdfcairo"). Takes the lock.
void require_device(const std::string& device);

// The cairo device of a format; BadInput naming `path` for an unknown format.
std::string device_for_format(const std::string& path, const std::string& format);

}  // namespace tianyan::plot_detail
