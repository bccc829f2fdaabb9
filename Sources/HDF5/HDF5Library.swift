import CHDF5
import Foundation

/// Library-wide facts and housekeeping: initialisation, per-thread silencing of HDF5's stderr error
/// printing, and counts of open objects (for leak checks).
public enum HDF5Library {
    /// Whether the linked libhdf5 was built thread-safe (one global lock around every call).
    public static var isThreadSafe: Bool {
        prepareThread()
        var threadSafe: hbool_t = false
        _ = H5is_library_threadsafe(&threadSafe)
        return threadSafe
    }

    /// The number of HDF5 objects (files, groups, datasets, types, attributes) open in this process.
    public static func openObjectCount() -> Int {
        prepareThread()
        let all = allObjectTypes
        return Int(H5Fget_obj_count(hid_t(all), all))
    }

    /// The number of files open in this process.
    public static func openFileCount() -> Int {
        prepareThread()
        return Int(H5Fget_obj_count(hid_t(allObjectTypes), UInt32(H5F_OBJ_FILE)))
    }

    private static let initialised: Bool = H5open() >= 0

    /// A per-thread marker: HDF5's automatic error printing is a property of each thread's error stack in
    /// thread-safe builds, so it is switched off once on every thread that calls into this module.
    private static let silencedKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// Initialises the library once and silences HDF5's stderr error printing on the calling thread.
    @inline(__always)
    static func prepareThread() {
        _ = initialised
        if pthread_getspecific(silencedKey) == nil {
            H5Eset_auto2(CHDF5_E_DEFAULT(), nil, nil)
            pthread_setspecific(silencedKey, UnsafeRawPointer(bitPattern: 1))
        }
    }
}

/// `H5F_OBJ_ALL`: files, datasets, groups, datatypes and attributes (a compound macro Swift cannot import).
let allObjectTypes = UInt32(H5F_OBJ_FILE | H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR)
