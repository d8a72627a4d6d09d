-- A hall's map position (issue 16), WGS-84, as text degrees (both or neither).
ALTER TABLE service_halls ADD COLUMN latitude TEXT;
ALTER TABLE service_halls ADD COLUMN longitude TEXT;
