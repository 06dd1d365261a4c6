/**
 * Pure-Java imaging: the volume model, NIfTI-1/2 and NRRD I/O, and the pipeline transforms (orientation, resampling,
 * intensity windows, crop/pad, guidance maps, connected components, metrics). No Quarkus, no native code. Filled in
 * by the imaging issue; see the module README.
 */
package org.medlabel.imaging;
