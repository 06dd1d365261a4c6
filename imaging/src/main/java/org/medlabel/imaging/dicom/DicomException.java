package org.medlabel.imaging.dicom;

/** A DICOM object or series MedLabel cannot turn into a volume; the message says why in terms a user can act on. */
public class DicomException extends RuntimeException {
    public DicomException(String message) {
        super(message);
    }
}
