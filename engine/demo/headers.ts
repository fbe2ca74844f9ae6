// Header rows of the files the demo and bench generators write (DESIGN.md "Interfaces users rely on").

/** The `meters.csv` header. */
export const METERS_HEADER =
  "meter_id,type,unit,scaling_factor,reset_value,digits,rollover_mode,parent_id,unit_price,basic_fee_per_day,cost_center,gl_account,last_reading,last_end";

/** The `readings.csv` header. */
export const READINGS_HEADER = "meter_id,end,value,override,source,verification";
